/**
 * Issue 15 "Named staff": the password hashes and the account checks of gateway/auth/staff.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, StaffAccounts, validateStaffAccounts, verifyPassword } from '../gateway/auth/staff.js';
import { tmpDir } from './helpers/harness.js';

describe('staff accounts', () => {
  it('a password hash is scrypt with its own salt: the right password verifies, a wrong one does not', async () => {
    const a = await hashPassword('a long enough password');
    const b = await hashPassword('a long enough password');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('a long enough password', a)).toBe(true);
    expect(await verifyPassword('a long enough passwore', a)).toBe(false);
    expect(await verifyPassword('a long enough password', 'bcrypt$x')).toBe(false);
  });

  it('a file with a username twice, or a plain password, is refused', () => {
    const acc = { username: 'wang.li', name: '王丽', role: 'staff', password_hash: 'scrypt$32768$8$1$c2FsdA$aGFzaA' };
    expect(() => validateStaffAccounts([acc, acc])).toThrow(/appears twice/);
    expect(() => validateStaffAccounts([{ ...acc, password_hash: undefined, password: 'x' }])).toThrow(/not a valid staff accounts file/);
    expect(validateStaffAccounts([acc])).toHaveLength(1);
  });

  it('sign-in checks beyond the bound are refused with GW_SEC_RATE_LIMITED instead of piling up scrypt work', async () => {
    const file = path.join(tmpDir('staff-unit'), 'staff.json');
    const password_hash = await hashPassword('a long enough password');
    writeFileSync(file, JSON.stringify([{ username: 'wang.li', name: '王丽', role: 'staff', password_hash }]));
    const accounts = new StaffAccounts(file, { concurrent: 1, queued: 1 });
    // the dummy hash first, so all three checks below start their scrypt in this same turn
    await accounts.check('nobody', 'x');
    const running = accounts.check('wang.li', 'a long enough password');
    const queued = accounts.check('wang.li', 'wrong');
    const refused = accounts.check('wang.li', 'a long enough password');
    await expect(refused).rejects.toMatchObject({ code: 'GW_SEC_RATE_LIMITED' });
    expect((await running)?.name).toBe('王丽');
    expect(await queued).toBeUndefined();
    // once the others finished, a check runs again
    expect((await accounts.check('wang.li', 'a long enough password'))?.username).toBe('wang.li');
  });
});
