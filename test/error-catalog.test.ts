import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog, counterReason, GatewayError } from '../gateway/errors/errors.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...doc.matchAll(/\| `(GW_[A-Z_]+)` \|/g)].map((m) => m[1]));

describe('error catalog', () => {
  it('documents every code in docs/errors.md, and documents no code the catalog lacks', () => {
    expect([...catalog.keys()].filter((c) => !documented.has(c))).toEqual([]);
    expect([...documented].filter((c) => !catalog.has(c!))).toEqual([]);
  });

  it('gives every code a 4xx/5xx status, a category, both messages and an action', () => {
    for (const e of catalog.values()) {
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(['validation', 'filing', 'system_fault', 'business', 'security']).toContain(e.category);
      expect(e.message).toMatch(/[\u4e00-\u9fff]/);
      expect(e.message_en.length).toBeGreaterThan(5);
      expect(e.action.length).toBeGreaterThan(3); // Chinese: 重新挂号。
      expect(e.action_en.length).toBeGreaterThan(5);
    }
  });

  // issue 14 point 6: errors a counter can act on
  const CJK = /[\u4e00-\u9fff]/;
  /** identifiers the English text names: interface fields (ipt_no, feedetl_sn …) and infnos (2402 …) */
  const named = (s: string) => new Set(s.match(/\b[a-z]+_[a-z_]+\b|\b\d{4}\b/g) ?? []);
  const detailsNamed = (s: string) => new Set([...s.matchAll(/details\.([a-z_]+)/g)].map((m) => m[1]));
  /** library internals a counter must never read (Node / axios error codes) */
  const INTERNAL = /\bE[A-Z]{4,}\b|\bERR_[A-Z_]+\b|\bUND_ERR\b|socket hang up/;

  it('every code: action in Chinese and action_en in English, each naming the same details fields', () => {
    for (const e of catalog.values()) {
      expect(e.action, e.code).toMatch(CJK);
      expect(e.action_en, e.code).toMatch(/[A-Za-z]{3,}/);
      expect(e.action_en, e.code).not.toBe(e.action);
      expect(detailsNamed(e.action), e.code).toEqual(detailsNamed(e.action_en));
    }
  });

  it('every code: the Chinese message names each field and interface number the English one names', () => {
    for (const e of catalog.values()) {
      const missing = [...named(e.message_en)].filter((id) => !e.message.includes(id));
      expect(missing, `${e.code}: ${e.message}`).toEqual([]);
    }
  });

  it('no code says a library internal (ECONNRESET, ERR_CANCELED …); transport failures reach the counter as 超时 / 连接中断', () => {
    for (const e of catalog.values()) {
      for (const text of [e.message, e.message_en, e.action, e.action_en]) expect(text, e.code).not.toMatch(INTERNAL);
    }
    expect(counterReason('ERR_CANCELED')).toEqual({ reason: '超时', reason_en: 'timeout' });
    expect(counterReason('connect timeout').reason).toBe('超时');
    expect(counterReason('ECONNRESET')).toEqual({ reason: '连接中断', reason_en: 'connection interrupted' });
    expect(counterReason('ECONNREFUSED').reason).toMatch(/连接被拒绝/);
    for (const raw of ['ERR_CANCELED', 'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EPIPE', 'something new']) {
      const r = counterReason(raw);
      expect(r.reason, raw).toMatch(CJK);
      expect(`${r.reason} ${r.reason_en}`, raw).not.toMatch(INTERNAL);
    }
  });

  it('coordination_deadline only where domain.md §11 ties one: filing 2, system faults with the platform 1, other problems with another area 10 working days', () => {
    // the gateway's own faults (its store, its code) involve no other area
    const local = new Set(['GW_SYS_STORE_UNAVAILABLE', 'GW_SYS_INTERNAL']);
    for (const e of catalog.values()) {
      if (e.category === 'validation' || e.category === 'security') expect(e.coordination, e.code).toBeUndefined();
      if (e.category === 'filing') expect(e.coordination, e.code).toBe('filing');
      if (e.category === 'system_fault') expect(e.coordination, e.code).toBe(local.has(e.code) ? undefined : 'system_fault');
      if (e.category === 'business') expect([undefined, 'other'], e.code).toContain(e.coordination);
      if (e.coordination === 'filing') expect(e.coordination_deadline).toMatch(/2 working days/);
      if (e.coordination === 'system_fault') expect(e.coordination_deadline).toMatch(/1 working day/);
      if (e.coordination === 'other') expect(e.coordination_deadline).toMatch(/10 working days/);
    }
    // the answer carries it only then: not on a 401, on a missing filing
    expect(new GatewayError('GW_SEC_UNAUTHENTICATED').body().error).not.toHaveProperty('coordination_deadline');
    expect(new GatewayError('GW_FIL_NOT_FILED').body().error.coordination_deadline).toMatch(/2 working days/);
  });

  it('a thrower’s precise message reaches the counter in Chinese too (GW_BIZ_ADMISSION_STATE names the step and the state)', () => {
    const e = new GatewayError('GW_BIZ_ADMISSION_STATE', { message: 'Cannot x.', message_zh: '不能出院结算：请先办理出院（2402）' });
    expect(e.body().error).toMatchObject({ message: '不能出院结算：请先办理出院（2402）', message_en: 'Cannot x.' });
    expect(e.body().error.action).toMatch(CJK);
    expect(e.body().error.action_en).toMatch(/discharge/);
  });

  it('maps every platform error rule onto a catalog code', () => {
    const map = JSON.parse(readFileSync(new URL('../gateway/errors/platform-error-map.json', import.meta.url), 'utf8')) as {
      rules: Array<{ code: string }>;
    };
    for (const r of map.rules) expect(catalog.has(r.code)).toBe(true);
  });
});
