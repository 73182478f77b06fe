import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../gateway/errors/errors.js';

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
      expect(e.action.length).toBeGreaterThan(5);
    }
  });

  it('maps every platform error rule onto a catalog code', () => {
    const map = JSON.parse(readFileSync(new URL('../gateway/errors/platform-error-map.json', import.meta.url), 'utf8')) as {
      rules: Array<{ code: string }>;
    };
    for (const r of map.rules) expect(catalog.has(r.code)).toBe(true);
  });
});
