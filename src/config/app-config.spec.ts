import { describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDirs } from '../../test/support/scratch-dirs';
import { CONFIG_VARIABLES, ConfigError, loadConfig, SANDBOX_MARKET_API_KEY } from './app-config';

const dataDir = scratchDirs('order-sync-config-');
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
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', 'loopback, 300.1.1.1'],
    ['LOG_FORMAT', 'xml'],
    ['MARKET_ALLOWED_CIDRS', '5.45.207.0'],
    ['MARKET_ALLOWED_CIDRS', '300.1.1.1/8'],
    ['MARKET_ALLOWED_CIDRS', '10.0.0.0/33'],
    ['MARKET_INTEGRATION_NAME', 'x'.repeat(101)],
    ['IMSHOP_STATUS_URL', 'ftp://imshop/x'],
    ['DELIVERY_MAX_ATTEMPTS', '0'],
    ['DELIVERY_CONCURRENCY', '201'],
    ['DATABASE_POOL_SIZE', 'many'],
    // Fewer than what background work can hold (5) plus two for the webhooks: refused, not starved.
    ['DATABASE_POOL_SIZE', '6'],
    ['DELIVERY_TIMEOUT_MS', 'soon'],
    ['QUEUE_PREFIX', 'a b'],
    ['SANDBOX', 'yes'],
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

  it("takes TRUST_PROXY as the proxies' addresses and networks, in Express's terms", () => {
    expect(loadConfig({ ...base(), TRUST_PROXY: 'loopback, 10.0.0.0/8, ::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1']);
    expect(loadConfig({ ...base(), TRUST_PROXY: '192.168.1.7' }).trustProxy).toEqual(['192.168.1.7']);
    expect(loadConfig({ ...base(), TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('refuses an emptied or short generated admin key file, as it refuses a short ADMIN_API_KEY', () => {
    for (const content of ['', '\n', 'abc123\n']) {
      const dir = dataDir();
      writeFileSync(join(dir, 'admin-api-key'), content, { mode: 0o600 });
      const attempt = () => loadConfig({ DATA_DIR: dir });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^Invalid configuration: ADMIN_API_KEY is not set, and the generated key in .*admin-api-key is (empty|only 6 characters long)/);
      // ADMIN_API_KEY given: the file is not read
      expect(loadConfig({ DATA_DIR: dir, ADMIN_API_KEY: 'a-long-enough-admin-key' }).adminApiKey).toBe('a-long-enough-admin-key');
    }
  });

  it('reads LOG_FORMAT (unset: decided at start from the terminal and NODE_ENV)', () => {
    expect(loadConfig(base()).logFormat).toBeUndefined();
    expect(loadConfig({ ...base(), LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(loadConfig({ ...base(), LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it('documents every variable in .env.example, and nothing else', () => {
    const example = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(CONFIG_VARIABLES));
  });

  describe('SANDBOX', () => {
    it('is off by default: no peer URL, no IMSHOP key, Market networks only, the usual retry schedule', () => {
      const config = loadConfig(base());
      expect(config.sandbox).toBe(false);
      expect(config.sandboxPeers).toEqual({ imshopStatus: false, imshopTickets: false, market: false });
      expect(config.imshop).toEqual({ apiKey: undefined, webhookKey: undefined, statusUrl: undefined, ticketsUrl: undefined, keyGenerated: false });
      expect(config.marketApi).toEqual(expect.objectContaining({ apiUrl: 'https://api.partner.market.yandex.ru', apiKey: undefined }));
      expect(config.marketAllowedCidrs).toEqual(['5.45.207.0/25', '141.8.142.0/25', '5.255.253.0/25']);
      expect(config.delivery.backoffMs).toBe(5000);
      expect(loadConfig({ ...base(), SANDBOX: 'false' }).sandbox).toBe(false);
    });

    it('points every unset peer URL at the app itself, admits loopback at /market and generates an IMSHOP key once', () => {
      const dir = dataDir();
      const config = loadConfig({ ...base(), DATA_DIR: dir, SANDBOX: 'true', PORT: '3456' });
      expect(config.sandbox).toBe(true);
      expect(config.sandboxPeers).toEqual({ imshopStatus: true, imshopTickets: true, market: true });
      expect(config.imshop.statusUrl).toBe('http://127.0.0.1:3456/sandbox/imshop/statuses');
      expect(config.imshop.ticketsUrl).toBe('http://127.0.0.1:3456/sandbox/imshop/tickets');
      expect(config.marketApi.apiUrl).toBe('http://127.0.0.1:3456/sandbox/market');
      expect(config.marketApi.apiKey).toBe(SANDBOX_MARKET_API_KEY);
      expect(config.marketAllowedCidrs).toEqual(['5.45.207.0/25', '141.8.142.0/25', '5.255.253.0/25', '127.0.0.0/8', '::1/128']);
      expect(config.delivery.backoffMs).toBe(100);
      expect(config.imshop.keyGenerated).toBe(true);
      expect(config.imshop.webhookKey).toBe(config.imshop.apiKey);
      expect(config.imshop.apiKey!.length).toBeGreaterThanOrEqual(32);
      expect(statSync(join(dir, 'imshop-webhook-key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'imshop-webhook-key'), 'utf8').trim()).toBe(config.imshop.apiKey);
      expect(loadConfig({ ...base(), DATA_DIR: dir, SANDBOX: 'true', PORT: '3456' }).imshop.apiKey).toBe(config.imshop.apiKey);
      expect(loadConfig({ ...base(), SANDBOX: 'true', HOST: '::1' }).imshop.statusUrl).toBe('http://[::1]:3000/sandbox/imshop/statuses');
    });

    it('never stands in for a URL or key that is configured', () => {
      const config = loadConfig({
        ...base(),
        SANDBOX: 'true',
        IMSHOP_API_KEY: 'imshop-real-key',
        IMSHOP_STATUS_URL: 'https://imshop.example/statuses',
        IMSHOP_TICKETS_URL: 'https://imshop.example/tickets',
        MARKET_API_KEY: 'market-real-key',
        MARKET_ALLOWED_CIDRS: '*',
      });
      expect(config.sandboxPeers).toEqual({ imshopStatus: false, imshopTickets: false, market: false });
      expect(config.imshop).toEqual({ apiKey: 'imshop-real-key', webhookKey: 'imshop-real-key', statusUrl: 'https://imshop.example/statuses', ticketsUrl: 'https://imshop.example/tickets', keyGenerated: false });
      // a Market key is for Market itself: its default URL stays
      expect(config.marketApi).toEqual(expect.objectContaining({ apiUrl: 'https://api.partner.market.yandex.ru', apiKey: 'market-real-key' }));
      expect(config.marketAllowedCidrs).toBeNull();
      // a Market URL without a key: nothing is sent, as without the sandbox
      const urlOnly = loadConfig({ ...base(), SANDBOX: 'true', MARKET_API_URL: 'https://market.example' });
      expect(urlOnly.sandboxPeers.market).toBe(false);
      expect(urlOnly.marketApi).toEqual(expect.objectContaining({ apiUrl: 'https://market.example', apiKey: undefined }));
      // one IMSHOP URL configured, the other left to the sandbox
      const mixed = loadConfig({ ...base(), SANDBOX: 'true', IMSHOP_STATUS_URL: 'https://imshop.example/statuses', IMSHOP_WEBHOOK_KEY: 'imshop-webhook-key-1' });
      expect(mixed.sandboxPeers).toEqual({ imshopStatus: false, imshopTickets: true, market: true });
      expect(mixed.imshop).toEqual(expect.objectContaining({ statusUrl: 'https://imshop.example/statuses', webhookKey: 'imshop-webhook-key-1', keyGenerated: false }));
    });

    it('refuses to start with NODE_ENV=production, naming both variables', () => {
      const attempt = () => loadConfig({ ...base(), SANDBOX: 'true', NODE_ENV: 'production' });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^Invalid configuration: SANDBOX must not be true with NODE_ENV=production/);
      expect(loadConfig({ ...base(), NODE_ENV: 'production' }).sandbox).toBe(false);
    });

    it('runs in a single process (APP_ROLE=all): its peers are served by the process that calls them', () => {
      expect(() => loadConfig({ ...base(), SANDBOX: 'true', APP_ROLE: 'worker' })).toThrow(/^Invalid configuration: SANDBOX needs APP_ROLE=all/);
      expect(loadConfig({ ...base(), SANDBOX: 'true', APP_ROLE: 'all' }).sandbox).toBe(true);
    });

    it('needs a fixed port, since its peers are called at it', () => {
      expect(() => loadConfig({ ...base(), SANDBOX: 'true', PORT: '0' })).toThrow(/^Invalid configuration: PORT must be a fixed port with SANDBOX=true/);
    });
  });
});
