import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../gateway/config.js';

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
