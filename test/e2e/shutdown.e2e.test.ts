import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../gateway/store/lmdb-store.js';
import type { TransactionRecord } from '../../gateway/store/store.js';
import { api, startMock, testStoreCipher, tmpDir } from '../helpers/harness.js';
import { GATEWAY_START_CEILING_MS, spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { until } from './resilience-fixtures.js';

/**
 * SIGTERM in the middle of a burst of settlements (a rolling restart at the busiest hour): every
 * settlement the HIS was told about (2xx) is there after the restart, and the journal holds no
 * half-written or pending record.
 */
const BURST = 30;
/** The platform may take this long over a call (no settlement of the burst times out, however loaded the machine) */
const PLATFORM_TIMEOUT_MS = 30_000;
/** SIGTERM lets in-flight requests finish for this long, then closes their connections */
const SHUTDOWN_GRACE_MS = 30_000;
/**
 * How long the stopped gateway may take to exit: the grace, then the workers' and the start-up
 * sign-in's last platform call (at most a platform timeout), then the store's close.
 */
const EXIT_CEILING_MS = SHUTDOWN_GRACE_MS + PLATFORM_TIMEOUT_MS + 10_000;
/** 30 registrations, 30 settlements and the checks: a ceiling for a loaded machine */
const WORK_CEILING_MS = 120_000;
const SETTLE = { medfee_sumamt: 20, acct_used_flag: '0' };
const OUTCOMES = new Set(['pending', 'succeeded', 'rejected', 'unknown', 'not_sent']);

let mock: Awaited<ReturnType<typeof startMock>>;
const dataDir = tmpDir('shutdown');
const children: GatewayProcess[] = [];

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyToSettle(base: string): Promise<string> {
  const reg = await api(base, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  expect((await api(base, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status).toBe(200);
  expect(
    (await api(base, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'K1', lines: [line('1', CODES.consult, 1, 20)] })).status,
  ).toBe(201);
  return id;
}

/** Every field of a journal record parses as what it claims to be. */
function wholeRecordProblems(t: TransactionRecord): string[] {
  const p: string[] = [];
  if (!/^H44030500001\d{18}$/.test(t.id)) p.push('id');
  if (!/^\d{4}$/.test(t.infno)) p.push('infno');
  if (!OUTCOMES.has(t.outcome)) p.push('outcome');
  if (Number.isNaN(Date.parse(t.created_at)) || Number.isNaN(Date.parse(t.updated_at))) p.push('timestamps');
  if (!t.keys || typeof t.keys !== 'object') p.push('keys');
  if (!t.stages || typeof t.stages !== 'object' || !t.stages.message || !t.stages.envelope) p.push('stages');
  if (t.outcome === 'succeeded' && !t.stages.reply) p.push('reply');
  return p.map((f) => `${t.id}: ${f}`);
}

type Result = { i: number; status: number; setl_id?: string; text: string } | { i: number; error: string };

describe('SIGTERM during a burst of settlements', () => {
  it(
    'the gateway drains and exits by itself; after a restart every 2xx settlement is there, and no journal record is pending or half-written',
    async () => {
      const env = {
        PLATFORM_BASE_URL: mock.url,
        DATA_DIR: dataDir,
        PLATFORM_TIMEOUT_MS: String(PLATFORM_TIMEOUT_MS),
        SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      };
      const first = await spawnGateway(env);
      children.push(first);

      const ids: string[] = [];
      for (let i = 0; i < BURST; i += 5)
        ids.push(...(await Promise.all(Array.from({ length: Math.min(5, BURST - i) }, () => readyToSettle(first.url)))));

      // the platform takes a moment over each settlement, so that the signal finds several in flight
      await api(mock.control, 'POST', '/faults', { infno: '2207', latency_ms: 400 });
      const results: Result[] = [];
      let ok = 0;
      let signalled = false;
      const fired: Promise<void>[] = [];
      for (let i = 0; i < BURST; i++) {
        const id = ids[i]!;
        fired.push(
          api(first.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, SETTLE).then(
            (r) => {
              results.push({ i, status: r.status, setl_id: r.body?.setl_id, text: r.text });
              if (r.status >= 200 && r.status < 300) ok++;
            },
            (e: Error) => {
              results.push({ i, error: String((e.cause as { code?: string } | undefined)?.code ?? e.message) });
            },
          ),
        );
        // SIGTERM once a few have been answered; the rest of the burst keeps coming
        if (!signalled && ok >= 3) {
          signalled = true;
          first.child.kill('SIGTERM');
        }
        await sleep(40);
      }
      if (!signalled) {
        // too few answered while the burst was being fired (a fast machine, or a loaded one): signal
        // once three are, with the rest of the burst still in flight — waited for, not assumed
        await until('three settlements answered', async () => ok >= 3, WORK_CEILING_MS);
        first.child.kill('SIGTERM');
      }
      await Promise.all(fired);
      const exitCode = await Promise.race([first.exited, sleep(EXIT_CEILING_MS).then(() => 'still running' as const)]);
      expect(exitCode, first.output()).toBe(0);
      await api(mock.control, 'DELETE', '/faults');

      const succeeded = results.filter((r): r is Extract<Result, { status: number }> => 'status' in r && r.status >= 200 && r.status < 300);
      expect(succeeded.length).toBeGreaterThanOrEqual(3);
      // a request cut off by the shutdown got an answer or a refused/closed connection, never a hang
      expect(results).toHaveLength(BURST);
      for (const r of results) {
        if ('error' in r) expect(r.error).toMatch(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|other side closed|fetch failed/);
      }

      // the journal as the stopped process left it, read straight from its lmdb directory
      const store = new LmdbStore(dataDir, { cipher: testStoreCipher() });
      let journal: TransactionRecord[];
      try {
        journal = await store.listTransactions({ limit: 100_000 });
      } finally {
        await store.close();
      }
      expect(journal.filter((t) => t.outcome === 'pending').map((t) => t.id)).toEqual([]);
      expect(journal.flatMap(wholeRecordProblems)).toEqual([]);
      // everything the platform received as a 2207 is journaled with its outcome
      const platformCalls = (await api(mock.control, 'GET', '/calls?infno=2207')).body as Array<{ msgid: string }>;
      const byId = new Map(journal.map((t) => [t.id, t]));
      for (const c of platformCalls) expect(byId.get(c.msgid)?.outcome, c.msgid).toBe('succeeded');

      const second = await spawnGateway(env);
      children.push(second);
      try {
        for (const r of succeeded) {
          expect(r.setl_id, r.text).toBeTruthy();
          const s = await api(second.url, 'GET', `/v1/settlements/${r.setl_id}`);
          expect(s.status, s.text).toBe(200);
          expect(s.body).toMatchObject({ visit_id: ids[r.i], setl_id: r.setl_id, status: 'booked' });
          const t = await api(second.url, 'GET', `/v1/transactions?infno=2207&setl_id=${r.setl_id}`);
          expect(t.body.items.map((x: { outcome: string }) => x.outcome)).toEqual(['succeeded']);
        }
        expect((await api(second.url, 'GET', '/v1/transactions?outcome=unknown')).body.items).toEqual([]);
        // read last, not at the port line: pino writes asynchronously, so a start-up log line may reach
        // the pipe after the port line (issue 15); by now, many requests later, it has
        expect(second.output()).not.toContain('left in flight by the previous process');
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
      // two gateways started, one drained exit waited for, the burst and the checks (issue 15: it once timed out at 30 s under load)
    },
    2 * GATEWAY_START_CEILING_MS + EXIT_CEILING_MS + WORK_CEILING_MS,
  );
});
