import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './app-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'order-sync-config-'));
const base = () => ({ DATA_DIR: dataDir(), ADMIN_API_KEY: 'a-long-enough-admin-key' });

describe('configuration', () => {
  it('has safe defaults for a fresh machine', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).toEqual(
      expect.objectContaining({ port: 3000, host: '0.0.0.0', databaseUrl: undefined, redisUrl: undefined, logLevel: 'info', bodyLimitBytes: 1048576, embeddedPgPort: 54329 }),
    );
  });

  it('generates an admin key once, owner-readable only, and reuses it', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.adminApiKeyGenerated).toBe(true);
    expect(first.adminApiKey.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'admin-api-key')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).adminApiKey).toBe(first.adminApiKey);
    expect(readFileSync(join(dir, 'admin-api-key'), 'utf8').trim()).toBe(first.adminApiKey);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['EMBEDDED_PG_PORT', '80'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_API_KEY', 'short'],
    ['BODY_LIMIT', 'huge'],
    ['BODY_LIMIT', '1gb'],
    ['TRUST_PROXY', 'maybe'],
    ['MARKET_ALLOWED_CIDRS', '5.45.207.0'],
    ['MARKET_ALLOWED_CIDRS', '300.1.1.1/8'],
    ['MARKET_ALLOWED_CIDRS', '10.0.0.0/33'],
    ['MARKET_INTEGRATION_NAME', 'x'.repeat(101)],
    ['IMSHOP_STATUS_URL', 'ftp://imshop/x'],
    ['DELIVERY_MAX_ATTEMPTS', '0'],
    ['DELIVERY_TIMEOUT_MS', 'soon'],
    ['QUEUE_PREFIX', 'a b'],
    ['EVENT_TIME_MAX_SKEW_SECONDS', '-1'],
    ['EVENT_TIME_MAX_SKEW_SECONDS', '86401'],
  ])('refuses %s=%s with a message naming the variable', (variable, value) => {
    const attempt = () => loadConfig({ ...base(), [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('allows events dated a minute ahead of their receipt by default, and a chosen skew', () => {
    expect(loadConfig(base()).eventTimeMaxSkewMs).toBe(60_000);
    expect(loadConfig({ ...base(), EVENT_TIME_MAX_SKEW_SECONDS: '0' }).eventTimeMaxSkewMs).toBe(0);
    expect(loadConfig({ ...base(), EVENT_TIME_MAX_SKEW_SECONDS: '600' }).eventTimeMaxSkewMs).toBe(600_000);
  });

  it('reads sizes with units and URLs as given', () => {
    const config = loadConfig({ ...base(), BODY_LIMIT: '512kb', DATABASE_URL: 'postgres://u:p@db:5432/x', REDIS_URL: 'redis://r:6379/2', LOG_LEVEL: 'DEBUG' });
    expect(config).toEqual(expect.objectContaining({ bodyLimitBytes: 512 * 1024, databaseUrl: 'postgres://u:p@db:5432/x', redisUrl: 'redis://r:6379/2', logLevel: 'debug' }));
  });

  it('allows Market\'s networks by default, a list, or everyone with *', () => {
    expect(loadConfig(base()).marketAllowedCidrs).toEqual(['5.45.207.0/25', '141.8.142.0/25', '5.255.253.0/25']);
    expect(loadConfig({ ...base(), MARKET_ALLOWED_CIDRS: '10.0.0.0/8, ::1/128' }).marketAllowedCidrs).toEqual(['10.0.0.0/8', '::1/128']);
    expect(loadConfig({ ...base(), MARKET_ALLOWED_CIDRS: '*' }).marketAllowedCidrs).toBeNull();
    expect(loadConfig({ ...base(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('documents every variable in .env.example, and nothing else', () => {
    const example = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(CONFIG_VARIABLES));
  });
});
