import type { Clock } from '../../adapters/platform/msgid.js';
import type { StaffSettings } from '../config.js';
import type { EncounterBase, Store } from '../store/store.js';
import { newSessionToken, sameSecret, sessionDigest, type StaffAccounts, type StaffRole } from './staff.js';

/**
 * A signed-in session, kept with the Store port as an encounter `session:<sha256 of the token>`:
 * the store never holds the token (nor the CSRF token, only its digest), so a copy of the store
 * signs nobody in. Ended sessions stay as records with `ended_at` (the store has no delete).
 */
export interface SessionRecord extends EncounterBase {
  kind: 'staff_session';
  username: string;
  name: string;
  role: StaffRole;
  csrf_sha256: string;
  created_at: string;
  expires_at: string;
  idle_until: string;
  ended_at?: string;
}

/** Per username: the failure counter's generation (a new generation starts at 0) and a lock. */
interface LockRecord extends EncounterBase {
  kind: 'staff_lock';
  gen: number;
  locked_until?: string;
}

export interface StaffIdentity {
  username: string;
  name: string;
  role: StaffRole;
}

export type LoginResult =
  | { ok: true; token: string; csrf: string; session: SessionRecord }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

export type SessionCheck =
  | { ok: true; session: SessionRecord }
  | { ok: false; reason: 'session_unknown' | 'session_expired' | 'account_disabled' };

const sessionId = (token: string) => `session:${sessionDigest(token)}`;
const lockId = (username: string) => `staff-lock:${username}`;
/** idle_until is moved on at most once a minute (one store write per minute of activity, not per request) */
const IDLE_REFRESH_MS = 60_000;

export class StaffSessions {
  constructor(
    private readonly accounts: StaffAccounts,
    private readonly store: Store,
    private readonly clock: Clock,
    readonly settings: StaffSettings,
  ) {}

  /**
   * A sign-in: refused while the username is locked (whether it exists or not, so a lock says
   * nothing about existence); a wrong password counts a failure with the store's nextSequence
   * (atomic across replicas) and the `maxFailures`th locks the username for `lockoutSeconds`.
   * A right password starts a new count.
   */
  async login(username: string, password: string): Promise<LoginResult> {
    const now = this.clock.now();
    const lock = await this.store.getEncounter<LockRecord>(lockId(username));
    const until = lock?.value.locked_until ? Date.parse(lock.value.locked_until) : 0;
    if (until > now.getTime()) return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((until - now.getTime()) / 1000) };
    const gen = lock?.value.gen ?? 0;
    const account = await this.accounts.check(username, password);
    if (!account) {
      const failures = await this.store.nextSequence(`staff-fail:${username}:${gen}`, this.settings.lockoutSeconds);
      if (failures >= this.settings.maxFailures) {
        const lockedUntil = new Date(now.getTime() + this.settings.lockoutSeconds * 1000).toISOString();
        await this.store.saveEncounter<LockRecord>(
          { id: lockId(username), kind: 'staff_lock', gen: gen + 1, locked_until: lockedUntil },
          lock?.version ?? null,
        );
      }
      return { ok: false, reason: 'invalid' };
    }
    if (lock || gen > 0)
      await this.store.saveEncounter<LockRecord>({ id: lockId(username), kind: 'staff_lock', gen: gen + 1 }, lock?.version ?? null);
    const token = newSessionToken();
    const csrf = newSessionToken();
    const session: SessionRecord = {
      id: sessionId(token),
      kind: 'staff_session',
      username: account.username,
      name: account.name,
      role: account.role,
      csrf_sha256: sessionDigest(csrf),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.settings.sessionTtlSeconds * 1000).toISOString(),
      idle_until: new Date(now.getTime() + this.settings.idleSeconds * 1000).toISOString(),
    };
    await this.store.saveEncounter(session, null);
    return { ok: true, token, csrf, session };
  }

  /** The live session of a cookie's token: not ended, within its lifetime and its idle limit, its account still enabled. */
  async check(token: string): Promise<SessionCheck> {
    const found = await this.store.getEncounter<SessionRecord>(sessionId(token));
    if (found?.value.kind !== 'staff_session') return { ok: false, reason: 'session_unknown' };
    const s = found.value;
    const now = this.clock.now().getTime();
    if (s.ended_at || now >= Date.parse(s.expires_at) || now >= Date.parse(s.idle_until)) return { ok: false, reason: 'session_expired' };
    const account = this.accounts.active(s.username);
    if (!account) return { ok: false, reason: 'account_disabled' };
    const idleUntil = now + this.settings.idleSeconds * 1000;
    if (idleUntil - Date.parse(s.idle_until) >= IDLE_REFRESH_MS) {
      // lost to a concurrent request's refresh: that one moved it on just as well
      await this.store.saveEncounter<SessionRecord>({ ...s, idle_until: new Date(idleUntil).toISOString() }, found.version);
    }
    return { ok: true, session: { ...s, name: account.name, role: account.role } };
  }

  /** The CSRF token sent back in x-csrf-token, compared in constant time with the session's. */
  csrfMatches(session: SessionRecord, presented: string | undefined): boolean {
    return presented !== undefined && sameSecret(sessionDigest(presented), session.csrf_sha256);
  }

  async logout(token: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await this.store.getEncounter<SessionRecord>(sessionId(token));
      if (!found || found.value.ended_at) return;
      if (await this.store.saveEncounter({ ...found.value, ended_at: this.clock.now().toISOString() }, found.version)) return;
    }
  }
}
