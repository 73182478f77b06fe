/**
 * Manages STAFF_ACCOUNTS_FILE (schemas/config/staff-accounts.json): the insurance office's people,
 * one account each. Only the scrypt hash of a password is written; the file is written with mode
 * 0600. The gateway reads the file again when it changes (no restart needed).
 *
 *   npm run staff -- add --username wang.li --name "王丽" [--role staff|admin] [--file staff.json]
 *       the password is asked for on the terminal (twice), or read from stdin when it is not one
 *       (e.g. `printf '%s\n' "$PW" | npm run staff -- add ...`); at least 12 characters
 *   npm run staff -- password --username wang.li [--file staff.json]    a new password (same input)
 *   npm run staff -- disable --username wang.li [--file staff.json]     no more sign-ins; open sessions end
 *   npm run staff -- enable --username wang.li [--file staff.json]
 *   npm run staff -- list [--file staff.json]
 *
 * --file defaults to $STAFF_ACCOUNTS_FILE, else ./staff-accounts.json. In the Docker image:
 * node dist/gateway/cli/staff.js <same arguments>.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { hashPassword, STAFF_ROLES, type StaffAccount, type StaffRole, validateStaffAccounts } from '../auth/staff.js';

export const MIN_PASSWORD_LENGTH = 12;

const out = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string): never => {
  process.stderr.write(`staff: ${s}\n`);
  process.exit(2);
};

/** Lines from stdin: typed on a terminal (not echoed), or piped in. */
async function readPasswords(count: number): Promise<string[]> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: tty ? process.stderr : undefined, terminal: tty });
  const lines: string[] = [];
  const prompts = ['password: ', 'again: '];
  if (tty) {
    // no echo: the prompt is written, the typed characters are not
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (prompts.some((p) => s.includes(p))) write.call(rl, s);
    };
  }
  for (let i = 0; i < count; i++) {
    const line = await new Promise<string | undefined>((resolve) => {
      if (tty) rl.question(prompts[i] ?? 'password: ', resolve);
      else {
        rl.once('line', resolve);
        rl.once('close', () => resolve(undefined));
      }
    });
    if (tty) process.stderr.write('\n');
    if (line === undefined) break;
    lines.push(line);
    if (!tty) break;
  }
  rl.close();
  return lines;
}

async function newPassword(): Promise<string> {
  const got = await readPasswords(process.stdin.isTTY ? 2 : 1);
  const pw = got[0] ?? fail('no password given (type it, or pipe it on stdin)');
  if (got.length === 2 && got[1] !== pw) fail('the two passwords differ');
  if (pw.length < MIN_PASSWORD_LENGTH) fail(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return pw;
}

export async function run(argv: string[], env: Record<string, string | undefined>) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      file: { type: 'string' },
    },
  });
  const file = values.file ?? env.STAFF_ACCOUNTS_FILE ?? 'staff-accounts.json';
  const accounts: StaffAccount[] = existsSync(file) ? validateStaffAccounts(JSON.parse(readFileSync(file, 'utf8')), file) : [];
  const find = () => {
    if (!values.username) fail('--username is required');
    return accounts.find((a) => a.username === values.username);
  };
  const save = () => {
    const checked = validateStaffAccounts(accounts, file);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  };

  switch (positionals[0]) {
    case 'add': {
      if (find()) fail(`account ${values.username} exists (password: a new password; enable: let it sign in again)`);
      if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(values.username!))
        fail('--username: lower-case letters, digits, . _ - (at most 64, starting with a letter or digit)');
      if (!values.name) fail("--name is required (the person's name, shown in the console and the audit log)");
      const role = (values.role ?? 'staff') as StaffRole;
      if (!(STAFF_ROLES as readonly string[]).includes(role)) fail(`--role must be one of ${STAFF_ROLES.join(', ')}`);
      const password_hash = await hashPassword(await newPassword());
      accounts.push({ username: values.username!, name: values.name!, role, password_hash, created_at: new Date().toISOString() });
      save();
      out(`account ${values.username} (${role}) added to ${file} (scrypt hash only)`);
      return;
    }
    case 'password': {
      const a = find() ?? fail(`no account ${values.username}`);
      a.password_hash = await hashPassword(await newPassword());
      save();
      out(`account ${a.username}: new password set`);
      return;
    }
    case 'disable':
    case 'enable': {
      const a = find() ?? fail(`no account ${values.username}`);
      if (positionals[0] === 'disable') {
        a.disabled = true;
        a.disabled_at = new Date().toISOString();
      } else {
        delete a.disabled;
        delete a.disabled_at;
      }
      save();
      out(
        `account ${a.username} ${positionals[0]}d${positionals[0] === 'disable' ? ': no more sign-ins; its open sessions are refused' : ''}`,
      );
      return;
    }
    case 'list': {
      for (const a of accounts) out(`${a.username}\t${a.role}\t${a.disabled ? 'disabled' : 'active'}\t${a.name}`);
      return;
    }
    default:
      fail('usage: staff add|password|disable|enable|list --username <u> [--name "…"] [--role staff|admin] [--file staff.json]');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run(process.argv.slice(2), process.env).catch((e) => fail((e as Error).message));
}
