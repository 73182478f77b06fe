/**
 * What the HIS and the POS read as a visit's, an admission's and a sale's status once money was
 * booked (issue 14 point 7): settled, settlement_cancelled / cancelled, refunded, partially_refunded —
 * and what a cancellation stored by an older gateway (no refund mark) reads as.
 */
import { describe, expect, it } from 'vitest';
import { admissionStatus, saleStatus, visitStatus } from '../gateway/engine/settled-status.js';
import type { Cancellation, SettlementEntry } from '../gateway/engine/visit.js';

const slip = { amounts: {}, setldetail: [] } as unknown as SettlementEntry['slip'];
const booked = (setl_id: string): SettlementEntry => ({
  setl_id,
  status: 'booked',
  transaction_id: `T${setl_id}`,
  settled_at: '2026-11-23T02:00:00Z',
  feedetl_sns: ['1', '2'],
  slip,
});
const cancelled = (setl_id: string, refund?: Cancellation['refund']): SettlementEntry => ({
  ...booked(setl_id),
  status: 'cancelled',
  cancellation: {
    setl_id: `C${setl_id}`,
    transaction_id: `TC${setl_id}`,
    cancelled_at: '2026-11-23T03:00:00Z',
    slip,
    ...(refund ? { refund } : {}),
  },
});

describe('visit status', () => {
  it('registered until a settlement; then settled, settlement_cancelled, settled again', () => {
    expect(visitStatus('registered', [])).toBe('registered');
    expect(visitStatus('registered', [booked('S1')])).toBe('settled');
    expect(visitStatus('registered', [cancelled('S1')])).toBe('settlement_cancelled');
    expect(visitStatus('registered', [cancelled('S1'), booked('S2')])).toBe('settled');
  });

  it('refunded after a whole refund; partially_refunded once the kept lines are settled again; refunded after the rest goes back too', () => {
    expect(visitStatus('registered', [cancelled('S1', 'full')])).toBe('refunded');
    // the cancel step of a partial refund done, the kept lines not settled yet: all the money went back
    expect(visitStatus('registered', [cancelled('S1', 'partial')])).toBe('refunded');
    expect(visitStatus('registered', [cancelled('S1', 'partial'), booked('S2')])).toBe('partially_refunded');
    expect(visitStatus('registered', [cancelled('S1', 'partial'), cancelled('S2', 'full')])).toBe('refunded');
  });

  it('a visit not registered keeps its own status (a cancelled registration, a failed one)', () => {
    expect(visitStatus('cancelled', [cancelled('S1')])).toBe('cancelled');
    expect(visitStatus('registration_unknown', [])).toBe('registration_unknown');
  });
});

describe('sale status', () => {
  it('a cancelled sale says cancelled, a refunded one refunded — never settled', () => {
    expect(saleStatus('settled', [booked('S1')])).toBe('settled');
    expect(saleStatus('settled', [cancelled('S1')])).toBe('cancelled');
    expect(saleStatus('settled', [cancelled('S1', 'full')])).toBe('refunded');
    expect(saleStatus('settled', [cancelled('S1', 'partial'), booked('S2')])).toBe('partially_refunded');
  });

  it('a sale in flight or failed says so', () => {
    expect(saleStatus('unknown', [])).toBe('unknown');
    expect(saleStatus('failed', [])).toBe('failed');
  });
});

describe('admission status', () => {
  const mid = (s: SettlementEntry) => ({ ...s, mid_setl_flag: '1' });
  const fin = (s: SettlementEntry) => ({ ...s, mid_setl_flag: '0' });

  it('a mid-stay settlement leaves the stay admitted; the discharge settlement makes it settled; its recall settlement_cancelled', () => {
    expect(admissionStatus('admitted', [mid(booked('S1'))])).toBe('admitted');
    expect(admissionStatus('discharged', [mid(booked('S1'))])).toBe('discharged');
    expect(admissionStatus('discharged', [mid(booked('S1')), fin(booked('S2'))])).toBe('settled');
    expect(admissionStatus('discharged', [mid(booked('S1')), fin(cancelled('S2'))])).toBe('settlement_cancelled');
    // then the mid-stay settlement recalled too: the stay still waits to be settled again at discharge
    expect(admissionStatus('discharged', [mid(cancelled('S1')), fin(cancelled('S2'))])).toBe('settlement_cancelled');
    // only a mid-stay settlement, recalled: the stay goes on as it stood
    expect(admissionStatus('admitted', [mid(cancelled('S1'))])).toBe('admitted');
    expect(admissionStatus('cancelled', [])).toBe('cancelled');
  });
});
