import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MOCK_PROFILES, type MockProfileName } from '../mocks/platform/profiles.js';
import { createMockPlatform } from '../mocks/platform/server.js';
import { DEMO_KEYS, DEMO_STAFF, ensureDemoClientsFile, ensureDemoStaffFile } from './auth/demo-clients.js';
import { loadConfig } from './config.js';
import { installShutdown } from './main.js';
import { createGateway } from './server.js';
import { newMasterKey } from './store/crypto.js';

/**
 * `npm run demo`: the gateway on the embedded store (./data/demo) against the MOCK settlement
 * platform, with synthetic patients. Nothing here reaches a real platform.
 */
async function demo() {
  // the mock speaks the transport profile the gateway is configured for (PLATFORM_PROFILE; loadConfig checks it)
  const wanted = process.env.PLATFORM_PROFILE || 'tif';
  const profile = ((MOCK_PROFILES as readonly string[]).includes(wanted) ? wanted : 'tif') as MockProfileName;
  const mock = createMockPlatform({ profile });
  const { url } = await mock.listen(Number(process.env.MOCK_PORT ?? 9100));
  const dataDir = process.env.DATA_DIR ?? './data/demo';
  // API keys: the operator's file if named, else <DATA_DIR>/api-clients.json with the public DEMO keys
  const clientsFile = process.env.API_CLIENTS_FILE || ensureDemoClientsFile(dataDir);
  // the store is sealed in the demo too (issue 20): the operator's keyring if named, else a key of
  // its own in <DATA_DIR>/store.keys (0600), made at the first start and kept beside the data
  const keys = process.env.STORE_KEYS || process.env.STORE_KEYS_FILE ? {} : { STORE_KEYS_FILE: ensureDemoStoreKeys(dataDir) };
  // the console's sign-in: the operator's staff file if named, else a demo account (README quick start)
  const staffFile = process.env.STAFF_ACCOUNTS_FILE || (await ensureDemoStaffFile(dataDir));
  const config = loadConfig(
    { ...process.env, PLATFORM_BASE_URL: url, DATA_DIR: dataDir, API_CLIENTS_FILE: clientsFile, STAFF_ACCOUNTS_FILE: staffFile, ...keys },
    'demo',
  );
  const gw = await createGateway(config);
  const { port } = await gw.start();
  gw.logger.warn(
    {
      port,
      mock_platform: url,
      data_dir: (config.store as { path: string }).path,
      api_clients_file: clientsFile,
      // public demo keys (README quick start); a real deployment writes its own with npm run api-keys
      ...(process.env.API_CLIENTS_FILE ? {} : { demo_api_keys: DEMO_KEYS }),
      staff_accounts_file: staffFile,
      // the demo account's password is in the README (quick start), not in the log
      ...(process.env.STAFF_ACCOUNTS_FILE ? {} : { demo_staff_username: DEMO_STAFF.username }),
    },
    '*** DEMO MODE *** gateway against the MOCK settlement platform with synthetic patients; never use for real settlements',
  );
  installShutdown({
    logger: gw.logger,
    stop: async () => {
      await gw.stop();
      await mock.close();
    },
  });
}

function ensureDemoStoreKeys(dataDir: string): string {
  const file = path.join(dataDir, 'store.keys');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      file,
      `# demo store key (README "Security"); a real deployment keeps its keys away from the data\n${newMasterKey('demo1')}\n`,
      {
        mode: 0o600,
      },
    );
  }
  return file;
}

void demo();
