/**
 * Issue 15, point 4 "Named staff": each person of the insurance office signs in with an account of
 * their own (npm run staff, run here as a child process), the console works with the session cookie
 * and the CSRF header, and the audit log names the person. The gateway's clock is the test's: an
 * expired session and a lapsed lock are reached by moving it, never by waiting.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, type Reply, tmpDir } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';

const START = new Date('2026-11-23T02:00:00Z');
let now = START;
const clock = { now: () => new Date(now) };
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};
const MINUTE = 60_000;

const dir = tmpDir('staff');
const file = path.join(dir, 'staff-accounts.json');
const PASSWORD = 'correct horse battery staple';

/** `npm run staff -- <args>` as the administrator runs it: a child process, the password on stdin. */
function staffCli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli/staff.ts', ...args, '--file', file], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  for (const [username, name, role] of [
    ['wang.li', '王丽', 'staff'],
    ['zhao.min', '赵敏', 'admin'],
    ['lock.me', '李锁', 'staff'],
    ['leaving', '周离', 'staff'],
  ]) {
    const r = await staffCli(['add', '--username', username!, '--name', name!, '--role', role!], `${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
  }
});

const sys = mockAndGateway({ STAFF_ACCOUNTS_FILE: file, STAFF_LOCKOUT_FAILURES: '5', STAFF_LOCKOUT_SECONDS: '120' }, { clock });
beforeEach(() => {
  now = START;
});

/** a call with no API key: only the cookie and headers given */
const call = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
  api(sys.gw.url, method, p, body, headers, { auth: false });

interface Session {
  cookie: string;
  csrf: string;
  reply: Reply;
}
async function signIn(username: string, password = PASSWORD): Promise<Session> {
  const reply = await call('POST', '/v1/session', { username, password });
  expect(reply.status, reply.text).toBe(200);
  const setCookie = reply.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, csrf: reply.body.csrf_token, reply };
}
const withSession = (s: Session, csrf = true) => ({ cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.csrf } : {}) });
const code = (r: Reply) => [r.status, r.body?.error?.code];

describe('named staff: sign-in, the console with a session, the audit log names the person', () => {
  it('signs in: an HttpOnly SameSite=Strict cookie (not Secure over plain HTTP) and a CSRF token; who am I names the person', async () => {
    const s = await signIn('wang.li');
    const attrs = (s.reply.headers.get('set-cookie') ?? '').split(';').map((x) => x.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(attrs).not.toContain('secure');
    expect(s.reply.body).toMatchObject({ username: 'wang.li', name: '王丽', role: 'staff', actor: 'staff:wang.li' });
    expect(s.csrf).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(s.reply.text).not.toContain(s.cookie.split('=')[1]);
    const me = await call('GET', '/v1/session', undefined, withSession(s, false));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'wang.li', name: '王丽', role: 'staff' });
    // neither the password, the session token, the CSRF token nor the person's name is logged
    const logs = sys.gw.logs.text;
    for (const secret of [PASSWORD, s.cookie.split('=')[1]!, s.csrf, '王丽']) expect(logs).not.toContain(secret);
  });

  it('a console action with the cookie and x-csrf-token works, and its audit entry names the person (staff:<username> and the name)', async () => {
    const s = await signIn('wang.li');
    const list = await call('GET', '/v1/console/transactions', undefined, withSession(s, false));
    expect(list.status, list.text).toBe(200);
    const act = await call('POST', '/v1/console/bulk/retry', { filter: { status: 'needs_manual' } }, withSession(s));
    expect(act.status, act.text).toBe(200);
    const audit = await call('GET', '/v1/console/audit?actor=staff:wang.li&limit=1000', undefined, withSession(s, false));
    expect(audit.status).toBe(200);
    const mine = audit.body.items as Array<{ actor: string; actor_name?: string; role: string; action: string }>;
    expect(mine.map((e) => e.action)).toEqual(expect.arrayContaining(['bulk_retry', 'view_list', 'sign_in']));
    for (const e of mine) expect(e).toMatchObject({ actor: 'staff:wang.li', actor_name: '王丽', role: 'staff' });
  });

  it('a POST with the cookie but without (or with a wrong) x-csrf-token is refused with 403 GW_SEC_CSRF_INVALID, and nothing is done', async () => {
    const s = await signIn('wang.li');
    const before = (await call('GET', '/v1/console/audit?actor=staff:wang.li&action=bulk_retry', undefined, withSession(s, false))).body
      .count;
    const none = await call('POST', '/v1/console/bulk/retry', { filter: { status: 'needs_manual' } }, withSession(s, false));
    expect(code(none)).toEqual([403, 'GW_SEC_CSRF_INVALID']);
    const wrong = await call(
      'POST',
      '/v1/console/bulk/retry',
      { filter: { status: 'needs_manual' } },
      { cookie: s.cookie, 'x-csrf-token': `${s.csrf.slice(0, -2)}xx` },
    );
    expect(code(wrong)).toEqual([403, 'GW_SEC_CSRF_INVALID']);
    // another session's token does not fit this one
    const other = await signIn('wang.li');
    const crossed = await call(
      'POST',
      '/v1/console/bulk/retry',
      { filter: { status: 'needs_manual' } },
      { cookie: s.cookie, 'x-csrf-token': other.csrf },
    );
    expect(code(crossed)).toEqual([403, 'GW_SEC_CSRF_INVALID']);
    const after = (await call('GET', '/v1/console/audit?actor=staff:wang.li&action=bulk_retry', undefined, withSession(s, false))).body
      .count;
    expect(after).toBe(before);
  });

  it('the roles of the access table hold for a session: a staff account may not call /v1/admin, an admin account may', async () => {
    const s = await signIn('wang.li');
    expect(code(await call('GET', '/metrics', undefined, withSession(s, false)))).toEqual([403, 'GW_SEC_FORBIDDEN']);
    const a = await signIn('zhao.min');
    expect((await call('GET', '/metrics', undefined, withSession(a, false))).status).toBe(200);
  });

  it('signing out ends the session: the cookie is cleared and the old cookie is refused afterwards', async () => {
    const s = await signIn('wang.li');
    expect(code(await call('DELETE', '/v1/session', undefined, withSession(s, false)))).toEqual([403, 'GW_SEC_CSRF_INVALID']);
    const out = await call('DELETE', '/v1/session', undefined, withSession(s));
    expect(out.status, out.text).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^yidi_session=;.*Max-Age=0/);
    const after = await call('GET', '/v1/console/transactions', undefined, withSession(s, false));
    expect(code(after)).toEqual([401, 'GW_SEC_UNAUTHENTICATED']);
    expect(after.body.error.details).toMatchObject({ reason: 'session_expired' });
    expect(code(await call('GET', '/v1/session', undefined, withSession(s, false)))).toEqual([401, 'GW_SEC_UNAUTHENTICATED']);
  });

  it('an expired session is refused: after 30 idle minutes, and after 8 hours however busy', async () => {
    const idle = await signIn('wang.li');
    advance(29 * MINUTE);
    expect((await call('GET', '/v1/console/transactions', undefined, withSession(idle, false))).status).toBe(200);
    advance(31 * MINUTE);
    const late = await call('GET', '/v1/console/transactions', undefined, withSession(idle, false));
    expect(code(late)).toEqual([401, 'GW_SEC_UNAUTHENTICATED']);
    expect(late.body.error.details).toMatchObject({ reason: 'session_expired' });

    now = START;
    const busy = await signIn('wang.li');
    for (let t = 0; t < 8 * 60 - 20; t += 20) {
      advance(20 * MINUTE);
      expect((await call('GET', '/v1/session', undefined, withSession(busy, false))).status).toBe(200);
    }
    advance(21 * MINUTE);
    expect(code(await call('GET', '/v1/console/transactions', undefined, withSession(busy, false)))).toEqual([
      401,
      'GW_SEC_UNAUTHENTICATED',
    ]);
  });

  it('a sign-in with an Idempotency-Key is never replayed: each gets a session of its own', async () => {
    const headers = { 'idempotency-key': 'same-key-for-both' };
    const one = await call('POST', '/v1/session', { username: 'wang.li', password: PASSWORD }, headers);
    const two = await call('POST', '/v1/session', { username: 'wang.li', password: PASSWORD }, headers);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(two.headers.get('idempotent-replayed')).toBeNull();
    expect(two.body.csrf_token).not.toBe(one.body.csrf_token);
    expect(two.headers.get('set-cookie')).toMatch(/^yidi_session=[A-Za-z0-9_-]{40,};/);
  });

  it('a random cookie is refused as unknown', async () => {
    const r = await call('GET', '/v1/console/transactions', undefined, { cookie: 'yidi_session=not-a-session' });
    expect(code(r)).toEqual([401, 'GW_SEC_UNAUTHENTICATED']);
  });
});

describe('wrong passwords and locks', () => {
  it('an unknown username and a wrong password get the same answer (401 GW_SEC_LOGIN_FAILED)', async () => {
    const unknown = await call('POST', '/v1/session', { username: 'nobody.here', password: PASSWORD });
    const wrong = await call('POST', '/v1/session', { username: 'wang.li', password: 'not the password' });
    expect(code(unknown)).toEqual([401, 'GW_SEC_LOGIN_FAILED']);
    expect(code(wrong)).toEqual([401, 'GW_SEC_LOGIN_FAILED']);
    const strip = (r: Reply) => ({ ...r.body.error, request_id: undefined });
    expect(strip(unknown)).toEqual(strip(wrong));
    expect(unknown.headers.get('set-cookie')).toBeNull();
  });

  it('5 wrong passwords lock the account: the right password is refused with 423 GW_SEC_ACCOUNT_LOCKED until the lock lapses', async () => {
    for (let i = 0; i < 5; i++) {
      expect(code(await call('POST', '/v1/session', { username: 'lock.me', password: `wrong ${i}` }))).toEqual([
        401,
        'GW_SEC_LOGIN_FAILED',
      ]);
    }
    const locked = await call('POST', '/v1/session', { username: 'lock.me', password: PASSWORD });
    expect(code(locked)).toEqual([423, 'GW_SEC_ACCOUNT_LOCKED']);
    expect(Number(locked.headers.get('retry-after'))).toBe(120);
    // another account is not locked by it
    await signIn('wang.li');
    advance(119_000);
    expect(code(await call('POST', '/v1/session', { username: 'lock.me', password: PASSWORD }))).toEqual([423, 'GW_SEC_ACCOUNT_LOCKED']);
    advance(2_000);
    await signIn('lock.me');
    // the count starts again after the lock: one more wrong password does not lock it
    expect(code(await call('POST', '/v1/session', { username: 'lock.me', password: 'wrong again' }))).toEqual([401, 'GW_SEC_LOGIN_FAILED']);
    await signIn('lock.me');
  });
});

describe('npm run staff (the admin command), run as a child process', () => {
  it('writes only scrypt hashes, with mode 0600, and lists the accounts', async () => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    const accounts = JSON.parse(text) as Array<{ username: string; password_hash: string }>;
    expect(accounts.map((a) => a.username)).toEqual(['wang.li', 'zhao.min', 'lock.me', 'leaving']);
    for (const a of accounts) expect(a.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const list = await staffCli(['list']);
    expect(list.stdout).toContain('zhao.min\tadmin\tactive\t赵敏');
  });

  it('refuses a short password and a username that exists', async () => {
    const short = await staffCli(['add', '--username', 'shorty', '--name', '短'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 12 characters/);
    const twice = await staffCli(['add', '--username', 'wang.li', '--name', '王丽'], `${PASSWORD}\n`);
    expect(twice.code).toBe(2);
  });

  it('a disabled account cannot sign in, and its open session is refused; enabled again, it can', async () => {
    const s = await signIn('leaving');
    const r = await staffCli(['disable', '--username', 'leaving']);
    expect(r.code, r.stderr).toBe(0);
    expect(code(await call('POST', '/v1/session', { username: 'leaving', password: PASSWORD }))).toEqual([401, 'GW_SEC_LOGIN_FAILED']);
    const open = await call('GET', '/v1/console/transactions', undefined, withSession(s, false));
    expect(code(open)).toEqual([401, 'GW_SEC_UNAUTHENTICATED']);
    expect(open.body.error.details).toMatchObject({ reason: 'account_disabled' });
    expect((await staffCli(['list'])).stdout).toContain('leaving\tstaff\tdisabled');
    expect((await staffCli(['enable', '--username', 'leaving'])).code).toBe(0);
    await signIn('leaving');
  });

  it('a new account added while the gateway runs can sign in at once', async () => {
    const r = await staffCli(['add', '--username', 'new.hire', '--name', '孙新', '--role', 'staff'], `${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
    const s = await signIn('new.hire');
    expect(s.reply.body).toMatchObject({ name: '孙新' });
  });
});

describe('STAFF_COOKIE_SECURE=1 (TLS ended at a proxy in front of the gateway)', () => {
  const behindTls = mockAndGateway({ STAFF_ACCOUNTS_FILE: file, STAFF_COOKIE_SECURE: '1' });
  it('the session cookie is Secure although the request came over plain HTTP', async () => {
    const r = await api(behindTls.gw.url, 'POST', '/v1/session', { username: 'zhao.min', password: PASSWORD }, {}, { auth: false });
    expect(r.status, r.text).toBe(200);
    const attrs = (r.headers.get('set-cookie') ?? '').split(';').map((x) => x.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict']));
  });
});
