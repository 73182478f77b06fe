import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { FAST_REVERSAL, fault, HOLD_PAST_TIMEOUT_MS, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '2' });
beforeEach(async () => {
  await api(sys.mock.control, 'DELETE', '/faults');
});

const resolutionOf = (id: string) =>
  until(`a final resolution of ${id}`, async () => {
    const t = await transaction(sys.gw.url, id);
    return t.resolution && t.resolution.state !== 'reversing' && (t.resolution.encounter_released || t.resolution.state === 'needs_manual')
      ? t
      : undefined;
  });

describe('reversal of booking transactions with an unknown outcome (2601)', () => {
  it('a 2207 whose reply is dropped after booking: 502 with a transaction id, reversed at the platform, the visit settles again — once', async () => {
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    const first = await settle(sys.gw.url, v.id);
    expect(first.status).toBe(502);
    expect(first.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_UNKNOWN');
    expect(first.body.error.message).toMatch(/冲正/);
    const txid = first.body.error.transaction_id as string;
    expect(txid).toBeTruthy();
    // the platform did book it
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === txid)?.status).toBe('booked');
    // the HIS is told to wait: settling again before the reversal is refused
    const meanwhile = await settle(sys.gw.url, v.id);
    expect([meanwhile.status, meanwhile.body.error?.code]).toEqual([409, 'GW_BIZ_OUTCOME_UNKNOWN_PENDING']);

    const t = await resolutionOf(txid);
    expect(t.resolution).toMatchObject({ state: 'reversed', attempts: 1 });
    // what the counter polls, with the HIS's own key
    const polled = await api(sys.gw.url, 'GET', `/v1/outcomes/${txid}`, undefined, {}, { auth: 'his' });
    expect([polled.status, polled.body.outcome, polled.body.resolution, polled.body.final]).toEqual([200, 'unknown', 'reversed', true]);
    expect(polled.text).not.toContain('stages');
    expect(t.resolution.reversal_ids).toHaveLength(1);
    const rev = await transaction(sys.gw.url, t.resolution.reversal_ids[0]);
    expect(rev).toMatchObject({ infno: '2601', outcome: 'succeeded', reverses: txid });

    const entry = (await ledger(sys.mock.control)).find((e) => e.msgid === txid)!;
    expect(entry.status).toBe('reversed');
    expect(entry.reversal_msgid).toBe(rev.transaction_id);

    // the visit is free and unsettled again: it settles, and the platform holds exactly one live booking
    const visit = (await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${v.id}`)).body;
    expect(visit.pending).toBeUndefined();
    expect(visit.settlements).toEqual([]);
    const again = await settle(sys.gw.url, v.id);
    expect(again.status, again.text).toBe(201);
    const live = (await ledger(sys.mock.control)).filter(
      (e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement' && e.status === 'booked',
    );
    expect(live).toHaveLength(1);
  });

  it('a system error (infcode -1) before anything was booked: the 2601 finds nothing — not_booked, and the visit settles', async () => {
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'infcode_-1', infno: '2207', booked: false, count: 1 });
    const first = await settle(sys.gw.url, v.id);
    expect([first.status, first.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN']);
    const txid = first.body.error.transaction_id as string;
    expect((await ledger(sys.mock.control)).some((e) => e.msgid === txid)).toBe(false);
    const t = await resolutionOf(txid);
    expect(t.resolution.state).toBe('not_booked');
    const again = await settle(sys.gw.url, v.id);
    expect(again.status, again.text).toBe(201);
  });

  it('a 2208 cancellation whose reply is malformed: the reversal books the settlement again, and it can be cancelled once more', async () => {
    const v = await readyVisit(sys.gw.url);
    const s = await settle(sys.gw.url, v.id);
    expect(s.status, s.text).toBe(201);
    await fault(sys.mock.control, { kind: 'malformed', infno: '2208', count: 1 });
    const cancel = await api(sys.gw.url, 'POST', `/v1/settlements/${s.body.setl_id}/cancel`, { reason: 'patient left' });
    expect(cancel.status).toBe(502);
    const txid = cancel.body.error.transaction_id as string;
    expect((await ledger(sys.mock.control)).find((e) => e.setl_id === s.body.setl_id)?.status).toBe('cancelled');
    const t = await resolutionOf(txid);
    expect(t.resolution.state).toBe('reversed');
    expect((await ledger(sys.mock.control)).find((e) => e.setl_id === s.body.setl_id)?.status).toBe('booked');
    const again = await api(sys.gw.url, 'POST', `/v1/settlements/${s.body.setl_id}/cancel`, { reason: 'patient left' });
    expect(again.status, again.text).toBe(200);
  });

  it('when every 2601 fails, the attempts run out and it becomes needs_manual: listed in the console, the visit stays blocked', async () => {
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'timeout_after_booking', infno: '2207', hold_ms: HOLD_PAST_TIMEOUT_MS, count: 1 });
    await fault(sys.mock.control, { kind: 'http_500', infno: '2601' });
    const first = await settle(sys.gw.url, v.id);
    expect(first.status).toBe(502);
    const txid = first.body.error.transaction_id as string;
    const t = await resolutionOf(txid);
    expect(t.resolution).toMatchObject({ state: 'needs_manual', attempts: 2 });
    expect(t.resolution.reversal_ids).toHaveLength(2);
    expect(t.resolution.last_error).toMatch(/GW_SYS_PLATFORM_OUTCOME_UNKNOWN|HTTP 500/);
    const list = await api(sys.gw.url, 'GET', `/v1/console/transactions?status=needs_manual&visit_id=${v.id}`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([txid]);
    const blocked = await settle(sys.gw.url, v.id);
    expect([blocked.status, blocked.body.error.code]).toEqual([409, 'GW_BIZ_OUTCOME_UNKNOWN_PENDING']);
    // still booked at the platform: nothing was silently dropped
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === txid)?.status).toBe('booked');
  });
});
