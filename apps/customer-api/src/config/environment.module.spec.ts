import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from './environment.module';

const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'mysql://u:p@db:3306/customer' };

describe(loadEnvironment.name, () => {
  const keysFile = (text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'api-keys');
    writeFileSync(file, text);
    return file;
  };

  it('should refuse to start production without API keys, naming the opt-in', () => {
    expect(() => loadEnvironment(PRODUCTION)).toThrow(/API_KEYS.*ALLOW_ANONYMOUS_API=true/s);
    // NODE_ENV unset is production: what the image and ECS run.
    expect(() => loadEnvironment({ DATABASE_URL: PRODUCTION.DATABASE_URL })).toThrow(
      /ALLOW_ANONYMOUS_API/,
    );
  });

  it('should count a keys file of only comments and blank lines as no keys', () => {
    const file = keysFile('# alpha:aaaaaaaaaaaaaaaaaaaa\n\n   \n# nothing here\n');
    expect(() => loadEnvironment({ ...PRODUCTION, API_KEYS_FILE: file })).toThrow(
      /ALLOW_ANONYMOUS_API/,
    );
  });

  it('should start production with keys, or open only with ALLOW_ANONYMOUS_API=true', () => {
    const file = keysFile('# the clients\nalpha:aaaaaaaaaaaaaaaaaaaa\n');
    expect(loadEnvironment({ ...PRODUCTION, API_KEYS_FILE: file }).API_KEYS_FILE).toBe(file);
    expect(
      loadEnvironment({ ...PRODUCTION, API_KEYS: 'alpha:aaaaaaaaaaaaaaaaaaaa' }).API_KEYS,
    ).toBeDefined();
    expect(
      loadEnvironment({ ...PRODUCTION, ALLOW_ANONYMOUS_API: 'true' }).ALLOW_ANONYMOUS_API,
    ).toBe(true);
    expect(() => loadEnvironment({ ...PRODUCTION, ALLOW_ANONYMOUS_API: 'false' })).toThrow(
      /ALLOW_ANONYMOUS_API/,
    );
  });

  it('should leave development and tests open by default', () => {
    expect(loadEnvironment({ NODE_ENV: 'development' }).ALLOW_ANONYMOUS_API).toBe(false);
    expect(loadEnvironment({ NODE_ENV: 'test' }).API_KEYS).toBeUndefined();
  });

  it('should accept trusted proxies only as addresses or CIDRs', () => {
    const env = { NODE_ENV: 'test' };
    expect(loadEnvironment({ ...env, TRUSTED_PROXIES: '10.0.0.0/16, ::1' }).TRUSTED_PROXIES).toBe(
      '10.0.0.0/16, ::1',
    );
    expect(() => loadEnvironment({ ...env, TRUSTED_PROXIES: 'loadbalancer' })).toThrow(
      /TRUSTED_PROXIES/,
    );
  });
});
