/**
 * Issue 10: a late original cannot outlive its reversal. The gateway is killed (kill -9) while the
 * platform still works on a 2207 that it books late; the restarted gateway's first 2601 waits for
 * the original's journaled send time + PLATFORM_TIMEOUT_MS + the margin — not for the restart — so it
 * reaches the platform after the late booking, reverses it, and the visit settles again: once.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { type GatewayProcess, spawnGateway } from '../helpers/process.js';
import { FAST_REVERSAL, fault, finalWithinMs, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
const running: GatewayProcess[] = [];
const dataDir = tmpDir('late-original');

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  for (const g of running) g.child.kill('SIGKILL');
  await Promise.all(running.map((g) => g.exited));
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 while the platform books a 2207 late', () => {
  it('the restarted gateway reverses it after the late booking, and the visit agrees with the platform', async () => {
    const timeoutMs = 8000;
    const env = { PLATFORM_BASE_URL: mock.url, DATA_DIR: dataDir, ...FAST_REVERSAL, PLATFORM_TIMEOUT_MS: String(timeoutMs) };
    const first = await spawnGateway(env);
    running.push(first);
    const v = await readyVisit(first.url);
    const calls2207 = async () => (await api(mock.control, 'GET', '/calls?infno=2207')).body as unknown[];
    // the platform books the settlement 6 s after it arrives (within the 8 s the gateway allows a call), while
    // a restarted gateway is back in 2-3 s
    await fault(mock.control, { kind: 'late_booking', infno: '2207', delay_ms: 6000, count: 1 });
    const answer = settle(first.url, v.id).catch((e: Error) => e);
    await until('the platform to receive the 2207', async () => (await calls2207()).length > 0);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await answer).toBeInstanceOf(Error);

    // back at once, long before the late booking
    const second = await spawnGateway(env);
    running.push(second);
    // the journal has the 2207 the dead process sent (write-ahead): now outcome unknown
    const journal = (await api(second.url, 'GET', '/v1/transactions?infno=2207', undefined, {}, { auth: 'staff' })).body.items as Array<{
      transaction_id: string;
      encounter_id?: string;
    }>;
    const sent = { msgid: journal.find((x) => x.encounter_id === v.id)!.transaction_id };
    const t = await until(
      'the reversal of the late 2207',
      async () => {
        const x = await transaction(second.url, sent.msgid);
        return x.resolution && !['reversing'].includes(x.resolution.state) && x.resolution.encounter_released ? x : undefined;
      },
      finalWithinMs(1, timeoutMs),
    );
    // the 2601 came after the booking: it found it and undid it
    expect(t.resolution.state).toBe('reversed');
    expect((await ledger(mock.control)).find((e) => e.msgid === sent.msgid)?.status).toBe('reversed');

    // the visit agrees: free again, and it settles once
    const again = await settle(second.url, v.id);
    expect(again.status, again.text).toBe(201);
    const booked = (await ledger(mock.control)).filter(
      (e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement' && e.status === 'booked',
    );
    expect(booked).toHaveLength(1);
  });
});
