/**
 * The measure of the reply path is the world, not our mock (issue 10): every reply of the corpus in
 * test/fixtures/platform-replies/<infno>/ — gathered from public sources, each naming its source — goes
 * through the gateway's own reading (classifyReply -> readReply: the envelope, the tolerant schema
 * reading, the slip equations) and must come out accepted and mapped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyReply } from '../adapters/platform/reply.js';
import { slipFromOutput } from '../adapters/platform/slip.js';
import { readReply, SLIP_CHECKS } from '../gateway/engine/reply-reader.js';
import { Schemas } from '../gateway/validation.js';

const root = new URL('./fixtures/platform-replies/', import.meta.url).pathname;
const schemas = new Schemas();

interface Fixture {
  source: { repo?: string; path?: string; url_or_note?: string; kind?: string };
  adapted: string;
  reply: Record<string, unknown>;
}

const corpus = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d{4}$/.test(d.name))
  .flatMap((d) =>
    readdirSync(path.join(root, d.name))
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({
        infno: d.name,
        file: `${d.name}/${f}`,
        fixture: JSON.parse(readFileSync(path.join(root, d.name, f), 'utf8')) as Fixture,
      })),
  );

/** A source that gives only `output` is wrapped in a success envelope (the fixture says so in `adapted`). */
const envelopeOf = (reply: Record<string, unknown>) => ('infcode' in reply ? reply : { infcode: 0, ...reply });

/** What each kind of reply must yield once read: the fields the gateway books and prints with. */
const MAPPED: Record<string, (out: Record<string, unknown>) => void> = {
  '1101': (out) => {
    const base = out.baseinfo as Record<string, unknown>;
    expect(typeof base.psn_no).toBe('string');
    const ins = Array.isArray(out.insuinfo) ? out.insuinfo : [out.insuinfo];
    expect(ins.length).toBeGreaterThan(0);
    for (const i of ins as Array<Record<string, unknown>>) expect(typeof i.insuplc_admdvs).toBe('string');
  },
  '9001': (out) => expect(typeof (out.signinoutb as Record<string, unknown>).sign_no).toBe('string'),
  '2201': (out) => expect(typeof (out.data as Record<string, unknown>).mdtrt_id).toBe('string'),
};

describe('the corpus of public platform replies', () => {
  it('names a source and what was adapted in every file', () => {
    expect(corpus.length).toBeGreaterThan(0);
    for (const { file, fixture } of corpus) {
      expect(fixture.source, file).toBeTruthy();
      expect(fixture.source.repo ?? fixture.source.url_or_note, file).toBeTruthy();
      expect(typeof fixture.adapted, file).toBe('string');
      expect(fixture.reply && typeof fixture.reply, file).toBe('object');
    }
  });

  for (const { infno, file, fixture } of corpus) {
    it(`${file}: accepted and mapped`, () => {
      const reply = envelopeOf(fixture.reply);
      const classified = classifyReply({ kind: 'reply', status: 200, rawBody: JSON.stringify(reply) });
      const infcode = Number(reply.infcode);
      if (infcode !== 0) {
        // a published refusal is read as one: a business error (or -1, a system error: unknown), with its words
        expect(classified.outcome, file).toBe(infcode === -1 ? 'unknown' : 'rejected');
        expect('reason' in classified && classified.reason, file).toBeTruthy();
        return;
      }
      expect(classified.outcome, file).toBe('succeeded');
      const check = infno in SLIP_CHECKS ? SLIP_CHECKS[infno] : undefined;
      const read = readReply(schemas, infno, classified, check ? [check] : []);
      expect(read.outcome, 'reason' in read ? read.reason : '').toBe('succeeded');
      const out = read.output!;
      if (check) {
        const kind = ['2206', '2303', '2101'].includes(infno) ? 'pre_settlement' : 'settlement';
        const slip = slipFromOutput(kind, out);
        // the amounts a slip prints come out as two-decimal numbers, whatever type they came in
        expect(slip.amounts.medfee_sumamt.decimalPlaces()).toBeLessThanOrEqual(2);
        expect(slip.mdtrt_id, file).not.toBe('');
        if (!['2206', '2303', '2101'].includes(infno)) expect(slip.setl_id, file).toBeTruthy();
      }
      MAPPED[infno]?.(out);
    });
  }
});
