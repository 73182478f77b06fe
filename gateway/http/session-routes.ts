import { type Request, Router } from 'express';
import type { SessionRecord } from '../auth/sessions.js';
import { GatewayError } from '../errors/errors.js';
import { CSRF_HEADER, SESSION_COOKIE, sessionToken } from './auth.js';
import type { AppDeps } from './deps.js';
import { apiBody, handle } from './handler.js';
import type { Ops } from './openapi.js';

/**
 * Named staff (issue 15): a member of the insurance office signs in with an account of their own
 * (npm run staff; STAFF_ACCOUNTS_FILE). The session token travels only in an HttpOnly,
 * SameSite=Strict cookie (Secure over TLS); the CSRF token answered here is sent back by the
 * console in x-csrf-token with every request that changes something. The rows of
 * gateway/auth/access.ts keep the staff/admin roles; the audit log names the person.
 */
export function sessionRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const body = apiBody(d.schemas);
  const staff = d.staff;

  const cookie = (req: Request, value: string, maxAgeSeconds: number) =>
    [
      `${SESSION_COOKIE}=${value}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAgeSeconds}`,
      ...(req.secure || staff.settings.cookieSecure ? ['Secure'] : []),
    ].join('; ');
  const who = (s: SessionRecord) => ({
    username: s.username,
    name: s.name,
    role: s.role,
    actor: `staff:${s.username}`,
    expires_at: s.expires_at,
  });
  const current = async (req: Request) => {
    const token = sessionToken(req);
    if (!token) throw new GatewayError('GW_SEC_UNAUTHENTICATED', { details: { reason: 'no_session' } });
    const c = await staff.check(token);
    if (!c.ok) throw new GatewayError('GW_SEC_UNAUTHENTICATED', { details: { reason: c.reason } });
    return { token, session: c.session };
  };
  r.post(
    '/session',
    handle(200, 'session.response', async (req, res) => {
      const b = body<{ username: string; password: string }>('session-login.request', req.body);
      const out = await staff.login(b.username, b.password);
      if (!out.ok && out.reason === 'locked') {
        res.setHeader('retry-after', String(out.retryAfterSeconds));
        throw new GatewayError('GW_SEC_ACCOUNT_LOCKED', { details: { retry_after_seconds: out.retryAfterSeconds } });
      }
      if (!out.ok) throw new GatewayError('GW_SEC_LOGIN_FAILED');
      await d.store.appendAudit({
        at: d.clock.now().toISOString(),
        actor: `staff:${out.session.username}`,
        actor_name: out.session.name,
        role: out.session.role,
        action: 'sign_in',
        targets: [],
        request_id: req.id,
      });
      res.setHeader('set-cookie', cookie(req, out.token, staff.settings.sessionTtlSeconds));
      res.setHeader('cache-control', 'no-store');
      return { ...who(out.session), csrf_token: out.csrf, csrf_header: CSRF_HEADER };
    }),
  );

  r.get(
    '/session',
    handle(200, 'session.response', async (req, res) => {
      const { session } = await current(req);
      res.setHeader('cache-control', 'no-store');
      return who(session);
    }),
  );

  r.delete(
    '/session',
    handle(200, 'session.response', async (req, res) => {
      const { token, session } = await current(req);
      if (!staff.csrfMatches(session, req.get(CSRF_HEADER)))
        throw new GatewayError('GW_SEC_CSRF_INVALID', { details: { header: CSRF_HEADER } });
      await staff.logout(token);
      await d.store.appendAudit({
        at: d.clock.now().toISOString(),
        actor: `staff:${session.username}`,
        actor_name: session.name,
        role: session.role,
        action: 'sign_out',
        targets: [],
        request_id: req.id,
      });
      res.setHeader('set-cookie', cookie(req, '', 0));
      return { signed_out: true };
    }),
  );
  return r;
}

export const sessionOps: Ops = {
  '/v1/session': {
    post: {
      id: 'signIn',
      tag: 'console',
      zh: '医保办人员登录（用户名、密码）',
      summary:
        'A member of the insurance office signs in (username, password): the session cookie (HttpOnly, SameSite=Strict) and the CSRF token to send in x-csrf-token; 401 GW_SEC_LOGIN_FAILED, 423 GW_SEC_ACCOUNT_LOCKED',
      body: 'session-login.request',
      status: 200,
      response: 'session.response',
    },
    get: {
      id: 'getSession',
      tag: 'console',
      zh: '当前登录人员',
      summary: 'Who is signed in with this session cookie (401 when none or expired)',
      status: 200,
      response: 'session.response',
    },
    delete: {
      id: 'signOut',
      tag: 'console',
      zh: '退出登录',
      summary: 'Sign out: the session ends (with the cookie and x-csrf-token)',
      status: 200,
      response: 'session.response',
    },
  },
};
