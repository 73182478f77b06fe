/**
 * Lifecycles of the e2e suites, as vitest hooks around the harness: called at the top of a test
 * file (or inside a describe block), they start what the tests need before them and stop it after.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { MockOptions } from '../../mocks/platform/server.js';
import { startGateway, startMock, type TestGateway, type TestMock } from './harness.js';

export interface MockAndGateway {
  mock: TestMock;
  gw: TestGateway;
}

export interface MockAndGatewayOptions {
  /** one clock for the mock and the gateway, which the test moves (the mock checks x-tif timestamps against its own) */
  clock?: Clock;
  /** runs once both are stopped */
  afterStop?: () => Promise<void>;
  /** the mock's own options (e.g. mdtrtareaAdmvs: the hospital's treatment area) */
  mock?: Partial<MockOptions>;
}

/**
 * A mock platform and a gateway talking to it (startMock, startGateway with `env`), started in
 * beforeAll and stopped in afterAll; the fields of the returned object are set once beforeAll has run.
 */
export function mockAndGateway(env: Record<string, string> = {}, opts: MockAndGatewayOptions = {}): MockAndGateway {
  const { clock, afterStop } = opts;
  const sys = {} as MockAndGateway;
  beforeAll(async () => {
    sys.mock = await startMock({ ...opts.mock, ...(clock ? { clock: () => clock.now() } : {}) });
    sys.gw = await startGateway(sys.mock.url, env, { clock });
  });
  afterAll(async () => {
    await sys.gw?.stop();
    await sys.mock?.close();
    await afterStop?.();
  });
  return sys;
}
