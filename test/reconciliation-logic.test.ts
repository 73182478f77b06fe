/**
 * The pure decisions of reconciliation (对账): which day a settlement counts on (LN 53), how a
 * cancellation counts, the groups 3201 is asked for, how result lines become work items and how a
 * re-run resolves them, what is done about an orphan, when the daily run is due and when a month's
 * close is (JS 43).
 */
import { describe, expect, it } from 'vitest';
import { closeWarning, dayOfSetlTime, latestDueDay } from '../gateway/engine/reconciliation/calendar.js';
import { classifyRows, mergeDifferences } from '../gateway/engine/reconciliation/differences.js';
import { entryOf, groupOfMessage, groupTotals, type ReconEntry } from '../gateway/engine/reconciliation/gateway-side.js';
import { orphanAction } from '../gateway/engine/reconciliation/orphan.js';
import type { TransactionRecord } from '../gateway/store/store.js';

function record(over: Partial<TransactionRecord>): TransactionRecord {
  return {
    id: 'H440305000012026112323595900001',
    infno: '2207',
    outcome: 'succeeded',
    created_at: '2026-11-23T15:59:59.000Z',
    updated_at: '2026-11-23T16:00:01.000Z',
    keys: { psn_no: '22000000000000000001', mdtrt_id: 'M1' },
    stages: {
      message: { data: { psn_no: '22000000000000000001', insutype: '310', mdtrt_id: 'M1', setl_id: 'S1' } },
      envelope: { insuplc_admdvs: '220100' },
    },
    ...over,
  };
}

describe("the gateway's side of a day", () => {
  it("counts a settlement on its setl_time's day, read leniently, not on the day the call was sent", () => {
    // sent at 23:59:59 China time, settled by the platform at 00:00:01 the next day
    const r = entryOf(
      record({}),
      {
        setlinfo: {
          setl_id: 'S1',
          setl_time: '2026 - 11 - 24 00:00:01',
          medfee_sumamt: '20.00',
          fund_pay_sumamt: 12,
          acct_pay: null,
          clr_optins: '220100',
          clr_type: '11',
        },
      },
      480,
    );
    expect('entry' in r && r.entry).toMatchObject({
      day: '2026-11-24',
      refd_setl_flag: '0',
      insutype: '310',
      setl_optins: '220100',
      clr_type: '11',
    });
    expect('entry' in r && r.entry.cash_payamt.toFixed(2)).toBe('8.00');
    expect(dayOfSetlTime('not a time')).toBeUndefined();
  });

  it('a cancellation is its own row: refd_setl_flag 1, negative amounts (even when the reply sends them positive), its group from the settlement it cancels', () => {
    const r = entryOf(
      record({ infno: '2208' }),
      { setlinfo: { setl_id: 'C1', setl_time: '2026-11-25 09:00:00', medfee_sumamt: 20, fund_pay_sumamt: '12.00', acct_pay: 0 } },
      480,
      { insutype: '310', clr_type: '11', setl_optins: '220100' },
    );
    expect('entry' in r && r.entry).toMatchObject({ setl_id: 'C1', day: '2026-11-25', refd_setl_flag: '1', clr_type: '11' });
    expect('entry' in r && [r.entry.medfee_sumamt.toFixed(2), r.entry.fund_pay_sumamt.toFixed(2)]).toEqual(['-20.00', '-12.00']);
    expect(entryOf(record({}), { setlinfo: { medfee_sumamt: 1 } }, 480)).toEqual({ problem: expect.stringMatching(/no setl_id/) });
  });

  it("groups by insutype × clr_type × setl_optins, and asks 3201 also about groups nothing is counted in (an unknown booking's)", () => {
    const e = (over: Partial<ReconEntry>) => ({
      ...(
        entryOf(
          record({}),
          {
            setlinfo: {
              setl_id: 'S',
              setl_time: '2026-11-23 10:00:00',
              medfee_sumamt: 10,
              fund_pay_sumamt: 6,
              acct_pay: 1,
              clr_optins: '220100',
              hifp_pay: 6,
            },
          },
          480,
        ) as { entry: ReconEntry }
      ).entry,
      ...over,
    });
    const unknown = groupOfMessage(
      record({ outcome: 'unknown', stages: { message: { data: { insutype: '390' } }, envelope: { insuplc_admdvs: '430100' } } }),
    );
    const groups = groupTotals([e({}), e({ setl_id: 'T' })], [unknown!]);
    expect(groups.map((g) => [g.insutype, g.clr_type, g.setl_optins, g.count, g.medfee_sumamt, g.funds.hifp_pay])).toEqual([
      ['310', '11', '220100', 2, '20.00', '12.00'],
      ['390', '11', '430100', 0, '0.00', undefined],
    ]);
  });
});

describe('differences as work items', () => {
  const entries = [
    (
      entryOf(
        record({}),
        {
          setlinfo: {
            setl_id: 'S1',
            setl_time: '2026-11-23 10:00:00',
            medfee_sumamt: 20,
            fund_pay_sumamt: 12,
            acct_pay: 0,
            clr_optins: '220100',
            clr_type: '11',
          },
        },
        480,
      ) as { entry: ReconEntry }
    ).entry,
  ];
  const pair = { setl_optins: '220100', clr_type: '11' };

  it('classifies by what the gateway holds: platform_only, gateway_only, amounts_differ; 对平 lines are no difference', () => {
    const f = classifyRows(
      [
        { stmt_rslt: '1', setl_id: 'X9', msgid: 'M9', medfee_sumamt: '5.00' },
        { stmt_rslt: '2', setl_id: 'S1', refd_setl_flag: '0' },
        { stmt_rslt: '3', setl_id: 'S1', refd_setl_flag: '0', medfee_sumamt: '21.00', fund_pay_sumamt: '12.00', acct_pay: '0.00' },
        { stmt_rslt: '0', setl_id: 'S1' },
      ],
      entries,
      pair,
    );
    expect(f.map((x) => x.kind)).toEqual(['platform_only', 'gateway_only', 'amounts_differ']);
  });

  it('a re-run keeps the items by key: one still listed stays, one no longer listed is resolved — by its fix if one was made', () => {
    const run1 = mergeDifferences(
      [],
      classifyRows(
        [
          { stmt_rslt: '1', setl_id: 'X9' },
          { stmt_rslt: '2', setl_id: 'S1' },
        ],
        entries,
        pair,
      ),
      1,
      't1',
    );
    expect(run1.differences.map((d) => [d.id, d.kind, d.state])).toEqual([
      ['d1', 'platform_only', 'open'],
      ['d2', 'gateway_only', 'open'],
    ]);
    const fixed = run1.differences.map((d) =>
      d.id === 'd1' ? { ...d, state: 'fixed' as const, resolution: { how: 'reversed' as const, at: 't' } } : d,
    );
    const run2 = mergeDifferences(fixed, classifyRows([{ stmt_rslt: '2', setl_id: 'S1' }], entries, pair), 2, 't2');
    expect(run2.differences.map((d) => [d.id, d.state, d.resolution?.how, d.last_seen_run])).toEqual([
      ['d1', 'resolved', 'reversed', 1],
      ['d2', 'open', undefined, 2],
    ]);
    const run3 = mergeDifferences(run2.differences, [], 3, 't3');
    expect(run3.differences.map((d) => d.resolution?.how)).toEqual(['reversed', 'gone_on_rerun']);
  });
});

describe('what is done about an orphan (platform has, gateway lacks)', () => {
  const unknown = (state?: string) =>
    record({ outcome: 'unknown', ...(state ? { resolution: { state: state as never, attempts: 0, next_at: '', reversal_ids: [] } } : {}) });

  it('a booking whose outcome the gateway never learnt is reversed; a late original after its reversal is reversed again', () => {
    expect(orphanAction(unknown('needs_manual'), 'held', true).what).toBe('reverse_now');
    expect(orphanAction(unknown(), undefined, true).what).toBe('reverse_now');
    expect(orphanAction(unknown('reversing'), 'held', true).what).toBe('wait');
    expect(orphanAction(unknown('not_booked'), 'held', true).what).toBe('reopen_reversal');
  });

  it("anything else is staff's: no such msgid, a success of the journal, a confirmed booking, an inquiry that does not confirm, auto-reversal off", () => {
    expect(orphanAction(undefined, undefined, true).what).toBe('none');
    expect(orphanAction(record({}), 'held', true).what).toBe('none');
    expect(orphanAction(unknown('confirmed'), 'held', true).why).toMatch(/adopt/);
    expect(orphanAction(unknown('needs_manual'), 'not_held', true).what).toBe('none');
    expect(orphanAction(unknown('needs_manual'), 'held', false).what).toBe('none');
  });
});

describe('the calendar of reconciliation', () => {
  it('the daily run for the day before is due from RECON_RUN_AT local time (00:30 China time by default)', () => {
    expect(latestDueDay(new Date('2026-11-24T00:29:00+08:00'), 480, 30)).toBe('2026-11-22');
    expect(latestDueDay(new Date('2026-11-24T00:30:00+08:00'), 480, 30)).toBe('2026-11-23');
    // 23:00 UTC on the 23rd is already 07:00 on the 24th in China
    expect(latestDueDay(new Date('2026-11-23T23:00:00Z'), 480, 30)).toBe('2026-11-23');
  });

  it('a month not closed: no warning while it runs, due from the 1st, overdue after the 3rd (JS 43); closed: none', () => {
    expect(closeWarning('2026-11', false, '2026-11-30', 3).level).toBe('none');
    expect(closeWarning('2026-11', false, '2026-12-01', 3)).toMatchObject({ level: 'due', close_by: '2026-12-03' });
    expect(closeWarning('2026-11', false, '2026-12-03', 3).level).toBe('due');
    expect(closeWarning('2026-11', false, '2026-12-04', 3).level).toBe('overdue');
    expect(closeWarning('2026-12', false, '2027-01-02', 3)).toMatchObject({ level: 'due', close_by: '2027-01-03' });
    expect(closeWarning('2026-11', true, '2026-12-09', 3).level).toBe('none');
  });
});
