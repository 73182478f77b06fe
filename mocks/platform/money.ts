/** Decimal helpers for money: every amount is a Decimal, rounded ROUND_HALF_UP to 2 places. */
import { Decimal } from 'decimal.js';

export const ZERO = new Decimal(0);

export function dec(value: Decimal.Value): Decimal {
  return new Decimal(value);
}

export function round2(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** A Decimal as a JSON number with at most `places` decimals (never -0). */
export function toWireNumber(value: Decimal, places = 2): number {
  const rounded = value.toDecimalPlaces(places, Decimal.ROUND_HALF_UP);
  return rounded.isZero() ? 0 : rounded.toNumber();
}

export function sumOf(values: readonly Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.plus(v), ZERO);
}

export function minOf(a: Decimal, b: Decimal): Decimal {
  return Decimal.min(a, b);
}

export function nonNegative(value: Decimal): Decimal {
  return Decimal.max(ZERO, value);
}
