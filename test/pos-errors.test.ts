/**
 * The POS door's words for the pharmacy flow's errors (adapters/pos/pos-errors.ts): every POS code
 * is in the catalog, its details name the receipt and its lines, never sale_no or feedetl_sn lists.
 */
import { describe, expect, it } from 'vitest';
import posErrors from '../adapters/pos/pos-errors.json' with { type: 'json' };
import { posErrorOf } from '../adapters/pos/pos-errors.js';
import { catalog } from '../gateway/errors/errors.js';

describe('POS errors', () => {
  it('maps each pharmacy code whose words differ onto a POS code of the catalog that speaks of receipts, not of the HIS or batches', () => {
    for (const [from, to] of Object.entries(posErrors.codes)) {
      expect(catalog.has(from), from).toBe(true);
      const e = catalog.get(to.code);
      expect(e, to.code).toBeDefined();
      expect(`${e!.message} ${e!.message_en} ${e!.action} ${e!.action_en}`, to.code).not.toMatch(/\bHIS\b|batch|批次|sale_no|feedetl_sn/);
      expect(e!.status, to.code).toBe(catalog.get(from)!.status);
    }
  });

  it('renames the details to the POS words and adds the receipt', () => {
    expect(
      posErrorOf('GW_BIZ_REFUND_LINES_INVALID', { setl_id: 'S1', not_in_settlement: ['9'], settlement_lines: ['1', '2'] }, 'R1'),
    ).toEqual({
      code: 'GW_POS_REFUND_LINES_INVALID',
      details: { setl_id: 'S1', not_on_receipt: ['9'], receipt_lines: ['1', '2'], receipt_no: 'R1' },
    });
    expect(posErrorOf('GW_BIZ_DUPLICATE_SALE', { sale_no: 'R1', status: 'settled' }, 'R1')).toEqual({
      code: 'GW_POS_DUPLICATE_RECEIPT',
      details: { receipt_no: 'R1', status: 'settled' },
    });
    expect(posErrorOf('GW_BIZ_SETTLEMENT_NOT_FOUND', undefined, 'R9')).toEqual({
      code: 'GW_POS_SALE_NOT_FOUND',
      details: { receipt_no: 'R9' },
    });
  });

  it('leaves the errors the POS reads as they are (a person not found, a platform fault)', () => {
    expect(posErrorOf('GW_ID_PERSON_NOT_FOUND', {}, 'R1')).toBeUndefined();
    expect(posErrorOf('GW_SYS_PLATFORM_OUTCOME_UNKNOWN', {}, 'R1')).toBeUndefined();
  });
});
