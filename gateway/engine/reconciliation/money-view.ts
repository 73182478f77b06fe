/**
 * Reconciliation documents (对账) as staff receive them: the amounts the store keeps as decimal
 * strings (sums, group and day totals, 3202 result rows, a difference's two sides, the per-fund
 * sums) become Decimals, which the HTTP layer writes as numbers with two decimals (money-json.ts).
 * One place for every reconciliation answer: the documents keep their stored form, so a document
 * written by an older gateway reads the same. The CSV reports keep their text. Pure.
 */
import { Decimal } from '../money.js';

/** The money fields of the reconciliation documents (documents.ts), by name; `funds` holds money only. */
const MONEY = new Set(['medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'cash_payamt', 'psn_cash_pay']);
const MONEY_MAPS = new Set(['funds']);
const DECIMAL = /^-?\d+(\.\d+)?$/;

const asMoney = (v: unknown) => (typeof v === 'string' && DECIMAL.test(v) ? new Decimal(v) : v);

export function reconMoneyView<T>(doc: T): T {
  return walk(doc) as T;
}

function walk(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(walk);
  if (!v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => {
      if (MONEY.has(k)) return [k, asMoney(x)];
      if (MONEY_MAPS.has(k) && x && typeof x === 'object' && !Array.isArray(x))
        return [k, Object.fromEntries(Object.entries(x).map(([f, m]) => [f, asMoney(m)]))];
      return [k, walk(x)];
    }),
  );
}
