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
});
