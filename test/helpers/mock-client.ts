/** The mock's own unit suites: a signed client to a fresh mock (strict replies), reset and signed in before each test. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type MockClient, startMockWithClient } from '../../mocks/platform/client.js';
import type { MockPlatform } from '../../mocks/platform/server.js';

export function mockWithClient<J extends object>(clock: () => Date, use: (client: MockClient<J>) => void) {
  let platform: MockPlatform | undefined;
  let client: MockClient<J> | undefined;
  beforeAll(async () => {
    ({ platform, client } = await startMockWithClient<J>({ clock, replyStyle: 'strict' }));
    use(client);
  });
  afterAll(() => platform?.close());
  beforeEach(() => client?.resetAndSignIn());
}
