import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, startGateway, startMock, type TestGateway, type TestMock } from '../helpers/harness.js';
import { ask, freePort, kill9, type RedisProcess, startRedis, startSentinel, stopAndRemove, waitFor } from '../helpers/redis-sentinel.js';
import { CODES, diagnosesBody, JIANGSU, JILIN, line, visitBody } from './fixtures.js';
import { ledger, sleep } from './resilience-fixtures.js';

/**
 * Issue 13, item 8: a Sentinel failover loses nothing the gateway acknowledged. A real master, two
 * replicas (as the README advises) and three Sentinels (quorum 2); outpatient visits are settled,
 * several at a time, while the master is killed with SIGKILL. The gateway WAITs for a replica after
 * every write (REDIS_WAIT_REPLICAS defaults to 1 with REDIS_SENTINELS), so every 2xx it gave is on a
 * replica; Sentinel promotes the one with the most data and points the other at it, and then
 * settling works again.
 */
const NAME = 'yidi-failover';
const WORKERS = 4;
/** acknowledged settlements wanted before the kill, and again once a replica is back */
const BEFORE = 8;
const AFTER = 8;
const PERSONS = [JILIN.token, JIANGSU.token, 'EVT44000000000000000006C1D2E3F4'];
/** what a gateway may answer while the store is away: a prompt 503 the HIS retries later */
const STORE_DOWN = new Set(['GW_SYS_STORE_UNAVAILABLE']);
/** the store failed after the platform had the call: the unknown-outcome code of that call (platform-client.ts journal) */
const AFTER_SEND = new Set([
  'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED',
  'GW_SYS_PLATFORM_OUTCOME_INQUIRING',
  'GW_SYS_PLATFORM_OUTCOME_UNKNOWN',
]);

let master: RedisProcess | undefined;
const replicas: RedisProcess[] = [];
const sentinels: RedisProcess[] = [];
let mock: TestMock;
let gw: TestGateway;
const keyPrefix = `yidi-test:failover:${randomUUID()}:`;

beforeAll(async () => {
  const [pm, pr1, pr2, ...ps] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  master = await startRedis(pm!);
  for (const pr of [pr1!, pr2!]) {
    replicas.push(await startRedis(pr, pm));
    await waitFor(`replica ${pr} in sync`, async () => /master_link_status:up/.test(await ask<string>(pr, 'INFO', 'replication')));
  }
  for (const p of ps) sentinels.push(await startSentinel(p, NAME, pm!, { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 3000 }));
  // a failover needs each Sentinel to know the replicas and the two others (hello messages every 2 s)
  for (const s of sentinels) {
    await waitFor(`sentinel ${s.port} ready to fail over`, async () => {
      const known = await ask<unknown[]>(s.port, 'SENTINEL', 'REPLICAS', NAME);
      const others = await ask<unknown[]>(s.port, 'SENTINEL', 'SENTINELS', NAME);
      return known.length === 2 && others.length === 2 && /^OK/.test(await ask<string>(s.port, 'SENTINEL', 'CKQUORUM', NAME));
    });
  }
  mock = await startMock();
  gw = await startGateway(mock.url, {
    STORE_BACKEND: 'redis',
    // with Sentinels the URL only carries password and db; the master is whoever the Sentinels name
    REDIS_URL: `redis://127.0.0.1:${pm}`,
    REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    REDIS_SENTINEL_NAME: NAME,
    REDIS_KEY_PREFIX: keyPrefix,
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
});

afterAll(async () => {
  await gw?.stop();
  await mock?.close();
  for (const p of [...sentinels, master, ...replicas]) await stopAndRemove(p);
});

type Phase = 'before' | 'switch' | 'after';
interface Answer {
  phase: Phase;
  step: string;
  status: number;
  code?: string;
  /** details.reason_en of the error, if any */
  reason?: string;
  text: string;
}
interface Settled {
  phase: Phase;
  visit_id: string;
  setl_id: string;
  transaction_id: string;
}

describe('Sentinel failover under load', () => {
  it('every settlement answered 2xx is in the journal after the master is killed; 503, never 500, meanwhile; settling works again after', async () => {
    let phase: Phase = 'before';
    /** settlements sent and not yet answered */
    let settling = 0;
    let stop = false;
    const answers: Answer[] = [];
    const settled: Settled[] = [];

    /** one HIS call; the answer is kept with the phase in which the request was sent */
    const call = async (step: string, method: string, path: string, body?: unknown): Promise<Reply> => {
      const sentIn = phase;
      const r = await api(gw.url, method, path, body);
      answers.push({
        phase: sentIn,
        step,
        status: r.status,
        code: r.body?.error?.code,
        reason: r.body?.error?.details?.reason_en,
        text: r.text.slice(0, 300),
      });
      return r;
    };

    /** register, diagnose, charge and settle one visit; on any refusal the HIS starts over with a new visit a little later */
    const oneVisit = async (n: number) => {
      const sentIn = phase;
      const cred = { mdtrt_cert_type: '01', mdtrt_cert_no: PERSONS[n % PERSONS.length]! };
      const reg = await call('register', 'POST', '/v1/outpatient/visits', visitBody(cred));
      if (reg.status !== 201) return false;
      const id = reg.body.visit.visit_id as string;
      if ((await call('diagnoses', 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status !== 200) return false;
      const fees = await call('fees', 'POST', `/v1/outpatient/visits/${id}/fees`, {
        chrg_bchno: 'B1',
        lines: [line('1', CODES.consult, 1, 20)],
      });
      if (fees.status !== 201) return false;
      settling++;
      const s = await call('settle', 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' }).finally(
        () => settling--,
      );
      if (s.status !== 201) return false;
      settled.push({
        phase: sentIn === phase ? sentIn : 'switch',
        visit_id: id,
        setl_id: s.body.setl_id,
        transaction_id: s.body.transaction_id,
      });
      return true;
    };

    let n = 0;
    const workers = Array.from({ length: WORKERS }, async () => {
      while (!stop) {
        if (!(await oneVisit(n++))) await sleep(100);
      }
    });
    const count = (p: Phase) => settled.filter((s) => s.phase === p).length;

    try {
      await waitFor(`${BEFORE} settlements before the kill`, async () => count('before') >= BEFORE, 60_000);
      // kill -9 the master in the middle of the traffic, while a settlement is on its way
      await waitFor('a settlement in flight', async () => settling > 0, 30_000);
      phase = 'switch';
      await kill9(master);
      const promoted = await waitFor(
        'the Sentinels to promote a replica',
        async () => {
          const [, port] = await ask<[string, string]>(sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME);
          return replicas.some((r) => r.port === Number(port)) && Number(port);
        },
        60_000,
      );
      await waitFor('the promoted replica to take writes', async () =>
        /role:master/.test(await ask<string>(promoted, 'INFO', 'replication')),
      );

      // Sentinel points the other replica at the promoted one: there is a replica to WAIT for again
      const other = replicas.find((r) => r.port !== promoted)!;
      await waitFor(
        'the other replica in sync with the promoted one',
        async () => {
          const info = await ask<string>(other.port, 'INFO', 'replication');
          return info.includes(`master_port:${promoted}`) && /master_link_status:up/.test(info);
        },
        120_000,
      );
      phase = 'after';
      await waitFor(`${AFTER} settlements after the failover`, async () => count('after') >= AFTER, 90_000);
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    // what the HIS saw, by phase and step (the message of a failed expectation)
    const tally: Record<string, number> = {};
    for (const a of answers) {
      const k = `${a.phase} ${a.step} ${a.status} ${a.code ?? ''}`;
      tally[k] = (tally[k] ?? 0) + 1;
    }
    const seen = JSON.stringify(tally, null, 1);
    // the switch was real: requests were sent during it, and some were refused
    const during = answers.filter((a) => a.phase === 'switch');
    expect(during.length, seen).toBeGreaterThan(0);
    expect(
      during.some((a) => a.status === 503),
      seen,
    ).toBe(true);

    // never a 500; nothing but store trouble refused: the store's prompt 503, or — when the store failed
    // after the platform had the call — the 502 that says what an unknown outcome of that call means
    const refused = answers.filter((a) => a.status >= 300);
    const storeTrouble = (a: (typeof answers)[number]) =>
      (a.status === 503 && STORE_DOWN.has(a.code!)) ||
      (a.status === 502 && AFTER_SEND.has(a.code!) && /journal store failed/.test(String(a.reason)));
    for (const a of refused) expect(storeTrouble(a), `${a.step} ${a.status} ${a.code}\n${a.text}\n${seen}`).toBe(true);

    // every settlement acknowledged with a 2xx, before, during and after the switch, is in the
    // journal on the promoted master: the 2207 succeeded, the settlement found by its setl_id, booked at the platform
    const booked = new Map((await ledger(mock.control)).filter((e) => e.kind === 'settlement').map((e) => [e.setl_id, e]));
    expect(settled.length, seen).toBeGreaterThanOrEqual(BEFORE + AFTER);
    for (const s of settled) {
      const t = await api(gw.url, 'GET', `/v1/transactions/${s.transaction_id}`);
      expect(t.status, t.text).toBe(200);
      expect(t.body.outcome).toBe('succeeded');
      expect(t.body.keys.setl_id).toBe(s.setl_id);
      const v = await api(gw.url, 'GET', `/v1/settlements/${s.setl_id}`);
      expect(v.status, v.text).toBe(200);
      expect(v.body.visit_id).toBe(s.visit_id);
      expect(booked.get(s.setl_id)?.status).toBe('booked');
    }
  });
});
