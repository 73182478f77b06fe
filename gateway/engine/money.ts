import { Decimal } from 'decimal.js';

/** Money is yuan with two decimals, rounded half up, never a binary float (domain.md §14). */
export const round2 = (d: Decimal.Value) => new Decimal(d).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
export const sumOf = (xs: Decimal.Value[]) => xs.reduce<Decimal>((a, b) => a.plus(b), new Decimal(0));
export { Decimal };
