/**
 * An error of the pharmacy flow in the POS's words (issue 14 point 7): a POS integrator sells a
 * basket on a receipt and returns items by line id; it never sent a 销售单号 (sale_no), a batch or an
 * HIS total. The table (pos-errors.json) names the POS code for each pharmacy code whose words
 * differ, and the details fields to rename. Pure: the HTTP layer raises the error.
 */
import posErrors from './pos-errors.json' with { type: 'json' };

interface PosCode {
  code: string;
  details: Record<string, string>;
}
const table: Record<string, PosCode> = posErrors.codes;

/** The POS code and details for a pharmacy error, or undefined when the POS reads the error as it is. */
export function posErrorOf(
  code: string,
  details: unknown,
  receipt_no: string | undefined,
): { code: string; details: Record<string, unknown> } | undefined {
  const t = table[code];
  if (!t) return undefined;
  const d = details && typeof details === 'object' && !Array.isArray(details) ? (details as Record<string, unknown>) : {};
  const renamed = Object.fromEntries(Object.entries(d).map(([k, v]) => [t.details[k] ?? k, v]));
  return { code: t.code, details: { ...renamed, ...(receipt_no !== undefined ? { receipt_no } : {}) } };
}
