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
});
