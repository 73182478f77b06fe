import { describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../gateway/config.js';
import { newMasterKey } from '../gateway/store/crypto.js';
import { tmpDir } from './helpers/harness.js';

describe('configuration', () => {
  it('refuses a production start without a configured platform', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PLATFORM_BASE_URL/);
  });

  it('refuses a production start pointed at this machine (the mock)', () => {
    const env = {
      NODE_ENV: 'production',
      PLATFORM_BASE_URL: 'http://127.0.0.1:9100/api',
      PLATFORM_PAASID: 'p',
      PLATFORM_SECRET: 's',
      FIXMEDINS_CODE: 'H44030500001',
      FIXMEDINS_NAME: 'x',
      MDTRTAREA_ADMVS: '440300',
      STORE_KEYS: newMasterKey('k1'),
    };
    expect(() => loadConfig(env)).toThrow(/points at this machine/);
    // the mock platform's demo credentials are refused too, unless asked for on purpose
    const mockCreds = {
      ...env,
      PLATFORM_BASE_URL: 'http://mock:9100/api',
      PLATFORM_PAASID: 'yidi-demo',
      PLATFORM_SECRET: 'demo-secret-change-me',
    };
    expect(() => loadConfig(mockCreds)).toThrow(/demo values of the mock platform/);
    expect(loadConfig({ ...mockCreds, ALLOW_MOCK_PLATFORM: '1' }).platform.baseUrl).toBe('http://mock:9100/api');
    expect(loadConfig({ ...env, PLATFORM_BASE_URL: 'https://fsi.example.gov.cn/api' }).mode).toBe('production');
  });

  it('rejects a malformed institution code or number', () => {
    expect(() => loadConfig({ FIXMEDINS_CODE: 'H4403' })).toThrow(/12 characters/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });

  describe('the store keyring (issue 20)', () => {
    const prod = {
      NODE_ENV: 'production',
      PLATFORM_BASE_URL: 'https://fsi.example.gov.cn/api',
      PLATFORM_PAASID: 'p',
      PLATFORM_SECRET: 's',
      FIXMEDINS_CODE: 'H44030500001',
      FIXMEDINS_NAME: 'x',
      MDTRTAREA_ADMVS: '440300',
    };

    it('a production start without a store key is refused, naming the setting', () => {
      expect(() => loadConfig(prod)).toThrow(/STORE_KEYS \(or STORE_KEYS_FILE\) not set/);
      const c = loadConfig({ ...prod, STORE_KEYS: `${newMasterKey('k1')},${newMasterKey('k2')}` });
      expect([...(c.storeKeys?.keys.keys() ?? [])]).toEqual(['k1', 'k2']);
      // the newest entry seals new data unless STORE_KEY_CURRENT names another; the index key stays the first's
      expect(c.storeKeys?.current).toBe('k2');
      expect(c.storeKeys?.indexKeyId).toBe('k1');
    });

    it('a malformed key, an unknown current id or a cipher this OpenSSL lacks is refused', () => {
      expect(() => loadConfig({ STORE_KEYS: 'k1:c2hvcnQ=' })).toThrow(/32 random bytes/);
      expect(() => loadConfig({ STORE_KEYS: newMasterKey('k1'), STORE_KEY_CURRENT: 'k9' })).toThrow(/STORE_KEY_CURRENT "k9"/);
      expect(() => loadConfig({ STORE_KEYS: newMasterKey('k1'), STORE_CIPHER: 'des' })).toThrow(/STORE_CIPHER must be one of/);
    });

    it('a key file readable by group or others is refused; a 0600 one is read', () => {
      const dir = tmpDir('keys');
      const file = path.join(dir, 'store.keys');
      writeFileSync(file, `# store keys\n${newMasterKey('k1')}\n`);
      chmodSync(file, 0o644);
      expect(() => loadConfig({ STORE_KEYS_FILE: file })).toThrow(/readable by group or others/);
      chmodSync(file, 0o600);
      expect(loadConfig({ STORE_KEYS_FILE: file }).storeKeys?.current).toBe('k1');
    });
  });

  it('a refused start names every missing or wrong setting at once, one per line (issue 15)', () => {
    const env = {
      NODE_ENV: 'production',
      PLATFORM_BASE_URL: 'https://fsi.example.gov.cn/api',
      PLATFORM_PAASID: 'p',
      PLATFORM_SECRET: 's',
      FIXMEDINS_CODE: 'H4403',
      MDTRTAREA_ADMVS: '440300',
      PORT: 'eighty',
      OPTER_TYPE: '9',
      STORE_BACKEND: 'mongo',
      RECON_RUN_AT: '25:99',
      STORE_KEYS: newMasterKey('k1'),
    };
    let message = '';
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^production start refused: 6 settings are missing or wrong:\n/);
    for (const what of [
      'FIXMEDINS_NAME not set',
      'FIXMEDINS_CODE must be 12 characters',
      'PORT must be',
      'OPTER_TYPE must be',
      'STORE_BACKEND must be',
      'RECON_RUN_AT must be',
    ])
      expect(message).toContain(what);
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(6);
    // the next start with everything right is not haunted by the last one's problems
    const { FIXMEDINS_CODE: _c, PORT: _p, OPTER_TYPE: _o, STORE_BACKEND: _s, RECON_RUN_AT: _r, ...fixed } = env;
    expect(loadConfig({ ...fixed, FIXMEDINS_CODE: 'H44030500001', FIXMEDINS_NAME: 'x' }).mode).toBe('production');
  });
});
