/**
 * A type-level proof that a route cannot drift from its schema (issue 14 point 2): `npx tsc --noEmit`
 * covers test/, and each `@ts-expect-error` below fails the typecheck if the line after it compiles —
 * that is, if handle() stopped holding a route to its response schema. Each wrong answer is the right
 * one with one thing changed. Never run (no .test.ts); the routes are built, not mounted.
 */
import { Decimal } from 'decimal.js';
import type { SlipResponse } from '../gateway/generated/api/slip.response.js';
import { handle, type Wire } from '../gateway/http/handler.js';

declare const slip: Wire<SlipResponse>;
const collect = { total: new Decimal('12.50'), funds_pay: new Decimal('10.00'), account_pays: 0, cash_to_collect: new Decimal('2.50') };
const quote = { receipt_no: 'R1', transaction_id: 'T1', collect, slip };

export const typed = [
  // right: money may leave as a Decimal (or a number) where the schema says number
  handle(200, 'pos-quote.response', async () => quote),
  handle(200, 'health.response', async () => ({ status: 'ok' as const, mode: 'test' })),
];

export const drifted = [
  // @ts-expect-error a string where the schema says number (money leaves as a Decimal, never a string)
  handle(200, 'pos-quote.response', async () => ({ ...quote, collect: { ...collect, total: '12.50' } })),
  // @ts-expect-error a required field missing (transaction_id)
  handle(200, 'pos-quote.response', async () => ({ receipt_no: 'R1', collect, slip })),
  // @ts-expect-error a money field missing deep inside (the slip's psn_cash_pay)
  handle(200, 'pos-quote.response', async () => ({ ...quote, slip: { ...slip, psn_cash_pay: undefined } })),
  // @ts-expect-error a status the schema's enum does not hold
  handle(200, 'health.response', async () => ({ status: 'fine' })),
  // @ts-expect-error a Decimal where the schema says string (only numbers are loosened)
  handle(200, 'health.response', async () => ({ status: 'ok' as const, mode: new Decimal(1) })),
  // @ts-expect-error another operation's schema: a visit is no POS quote
  handle(200, 'visit.response', async () => quote),
  // @ts-expect-error a name that is no response schema
  handle(200, 'no-such.response', async () => quote),
];
