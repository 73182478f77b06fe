import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { FAST_REVERSAL, fault, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let second: GatewayProcess | undefined;
const dataDir = tmpDir('reversal-crash');

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  second?.child.kill('SIGKILL');
  await second?.exited;
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 in the middle of a reversal', () => {
  it('the restarted gateway resumes the reversal from the journal and completes it; the visit settles again', async () => {
    const env = {
      PLATFORM_BASE_URL: mock.url,
      DATA_DIR: dataDir,
      // the first 2601 waits for the original's send time + FAST_REVERSAL's platform timeout + the margin
      ...FAST_REVERSAL,
      REVERSAL_BACKOFF_MS: '300',
    };
    const first = await spawnGateway(env);
    const v = await readyVisit(first.url);
    // the settlement is booked but its reply is lost; the first 2601 is held by the platform
    await fault(mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    await fault(mock.control, { kind: 'latency', infno: '2601', latency_ms: 60_000, count: 1 });
    const s = await settle(first.url, v.id);
    expect(s.status).toBe(502);
    const txid = s.body.error.transaction_id as string;
    await until(
      'the platform to receive the 2601',
      async () => ((await api(mock.control, 'GET', '/calls?infno=2601')).body as unknown[]).length > 0,
    );
    // the attempt was written on the original before the 2601 left
    const during = await transaction(first.url, txid);
    expect(during.resolution).toMatchObject({ state: 'reversing', attempts: 1 });

    first.child.kill('SIGKILL');
    await first.exited;
    expect((await ledger(mock.control)).find((e) => e.msgid === txid)?.status).toBe('booked');

    second = await spawnGateway(env);
    const done = await until('the reversal to complete after the restart', async () => {
      const t = await transaction(second!.url, txid);
      return t.resolution?.state === 'reversed' && t.resolution.encounter_released ? t : undefined;
    });
    expect(done.resolution.attempts).toBe(2);
    // the interrupted 2601 is in the journal too (outcome unknown after the restart), linked to the original
    const reversals = (await api(second.url, 'GET', '/v1/transactions?infno=2601')).body.items as Array<{
      reverses: string;
      outcome: string;
    }>;
    expect(
      reversals
        .filter((r) => r.reverses === txid)
        .map((r) => r.outcome)
        .sort(),
    ).toEqual(['succeeded', 'unknown']);
    const entry = (await ledger(mock.control)).find((e) => e.msgid === txid)!;
    expect(entry.status).toBe('reversed');

    const again = await settle(second.url, v.id);
    expect(again.status, again.text).toBe(201);
    expect(
      (await ledger(mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement' && e.status === 'booked'),
    ).toHaveLength(1);
  });
});
