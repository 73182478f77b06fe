import { output2103AsSlip } from '../../adapters/platform/pharmacy-messages.js';
import type { Classified } from '../../adapters/platform/reply.js';
import { slipFromOutput, slipProblems } from '../../adapters/platform/slip.js';
import type { Schemas } from '../validation.js';

/** Checks of a successful reply's meaning; each returns the problems, empty when fine. */
export type ReplyCheck = (output: Record<string, unknown>) => string[];

const slipCheck =
  (kind: 'pre_settlement' | 'settlement' | 'cancellation'): ReplyCheck =>
  (output) =>
    slipProblems(slipFromOutput(kind, output));

/** The slip equations (domain.md §14) on every reply that is a slip. */
export const SLIP_CHECKS: Record<string, ReplyCheck> = {
  '2206': slipCheck('pre_settlement'),
  '2207': slipCheck('settlement'),
  '2208': slipCheck('cancellation'),
  '2303': slipCheck('pre_settlement'),
  '2304': slipCheck('settlement'),
  '2305': slipCheck('cancellation'),
  '2101': slipCheck('pre_settlement'),
  '2102': slipCheck('settlement'),
  '2103': (o) => slipCheck('cancellation')(output2103AsSlip(o)),
};

/**
 * A classified reply, read: tolerant where it may be (Schemas.readPlatformReply: null = absent,
 * numbers and strings for each other, spelling variants, extra fields kept), strict where it must
 * be (the envelope, what the schema requires, and the checks: a reply that breaks its schema or its
 * arithmetic is no trustworthy answer, its outcome is unknown). A success carries the read output;
 * the reply itself stays as it came, for the journal.
 */
export function readReply(
  schemas: Schemas,
  infno: string,
  c: Classified,
  checks: ReplyCheck[],
): Classified & { output?: Record<string, unknown> } {
  if (c.outcome !== 'succeeded') return c;
  const envProblems = schemas.checkPlatform('envelope.reply', c.reply);
  const read = schemas.readPlatformReply(infno, c.reply.output ?? {});
  const problems = [...envProblems, ...read.problems].map((p) => `${p.field} ${p.problem}`);
  if (problems.length) return { outcome: 'unknown', reply: c.reply, reason: `reply invalid: ${problems.join('; ')}` };
  const sums = checks.flatMap((check) => check(read.value));
  if (sums.length) return { outcome: 'unknown', reply: c.reply, reason: `slip inconsistent: ${sums.join('; ')}` };
  return { ...c, output: read.value };
}
