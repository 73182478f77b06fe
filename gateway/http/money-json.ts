import { Decimal } from 'decimal.js';
import type { Response } from 'express';

const MARK = '\u0001dec:';
const MARKED = /"\\u0001dec:(-?\d+\.\d{2})"/g;

function mark(v: unknown): unknown {
  if (v instanceof Decimal) return `${MARK}${v.toFixed(2)}`;
  if (Array.isArray(v)) return v.map(mark);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x)]));
  }
  return v;
}

/** JSON text in which every Decimal is a number with exactly two decimals (12.50, not 12.5 or "12.50"). */
export function moneyJson(body: unknown): string {
  return JSON.stringify(mark(body)).replace(MARKED, '$1');
}

export function sendJson(res: Response, status: number, body: unknown) {
  res.status(status).type('application/json; charset=utf-8').send(moneyJson(body));
}
