import { describe, expect, it } from '@jest/globals';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDirs } from '../../test/support/scratch-dirs';
import { CONFIG_VARIABLES, ConfigError, KEY_MIN_LENGTH, loadConfig } from './app-config';

const dataDir = scratchDirs('order-sync-config-');
const base = () => ({ DATA_DIR: dataDir(), ADMIN_API_KEY: 'a-long-enough-admin-key' });

describe('configuration', () => {
  it('has safe defaults for a fresh machine', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).toEqual(
      expect.objectContaining({
        port: 3000,
        host: '0.0.0.0',
        databaseUrl: undefined,
        redisUrl: undefined,
        logLevel: 'info',
        bodyLimitBytes: 1048576,
        embeddedPgPort: 54329,
      }),
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
    expect(config).toEqual(
      expect.objectContaining({ bodyLimitBytes: 512 * 1024, databaseUrl: 'postgres://u:p@db:5432/x', redisUrl: 'redis://r:6379/2', logLevel: 'debug' }),
    );
  });

  it("allows Market's networks by default, a list, or everyone with *", () => {
    expect(loadConfig(base()).marketAllowedCidrs).toEqual(['5.45.207.0/25', '141.8.142.0/25', '5.255.253.0/25']);
    expect(loadConfig({ ...base(), MARKET_ALLOWED_CIDRS: '10.0.0.0/8, ::1/128' }).marketAllowedCidrs).toEqual(['10.0.0.0/8', '::1/128']);
    expect(loadConfig({ ...base(), MARKET_ALLOWED_CIDRS: '*' }).marketAllowedCidrs).toBeNull();
  });

  it("takes TRUST_PROXY as the proxies' addresses and networks, in Express's terms", () => {
    expect(loadConfig({ ...base(), TRUST_PROXY: 'loopback, 10.0.0.0/8, ::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1']);
    expect(loadConfig({ ...base(), TRUST_PROXY: '192.168.1.7' }).trustProxy).toEqual(['192.168.1.7']);
    expect(loadConfig({ ...base(), TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base(), TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  // A hop count or true believed X-Forwarded-For from anyone who reached the port: the Market allowlist and the
  // per-address limits were open to a header of the caller's choosing.
  it.each(['1', '2', '10', '11', 'true', 'TRUE'])('refuses TRUST_PROXY=%s at boot, showing the address form', (value) => {
    const attempt = () => loadConfig({ ...base(), TRUST_PROXY: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /^Invalid configuration: TRUST_PROXY must name the proxies by address, not (a hop count|"true").*TRUST_PROXY=loopback for a proxy on this host, TRUST_PROXY=10\.0\.0\.5 or TRUST_PROXY=10\.0\.0\.0\/8/,
    );
  });

  it.each(['ADMIN_API_KEY', 'METRICS_TOKEN', 'IMSHOP_API_KEY', 'IMSHOP_WEBHOOK_KEY', 'MARKET_API_KEY'])(
    'refuses a %s shorter than the minimum, without echoing it',
    (variable) => {
      const short = 'k'.repeat(KEY_MIN_LENGTH - 1);
      const attempt = () => loadConfig({ ...base(), [variable]: short });
      expect(attempt).toThrow(
        new RegExp(`^Invalid configuration: ${variable} must be at least ${KEY_MIN_LENGTH} characters long \\(got ${KEY_MIN_LENGTH - 1}\\)$`),
      );
      expect(loadConfig({ ...base(), [variable]: 'k'.repeat(KEY_MIN_LENGTH) })).toBeDefined();
    },
  );

  it('refuses a generated key file that group or others can read, and leaves it as it is', () => {
    for (const [file, variable, env] of [
      ['admin-api-key', 'ADMIN_API_KEY', {}],
      ['imshop-webhook-key', 'IMSHOP_WEBHOOK_KEY', { SANDBOX: 'true' }],
      ['sandbox-market-api-key', 'MARKET_API_KEY', { SANDBOX: 'true' }],
    ] as const) {
      for (const mode of [0o640, 0o604, 0o644]) {
        const dir = dataDir();
        // the file as a first boot made it, then opened up by hand (or by a careless copy)
        loadConfig({ DATA_DIR: dir, ...env });
        const path = join(dir, file);
        const before = readFileSync(path, 'utf8');
        chmodSync(path, mode);
        const attempt = () => loadConfig({ DATA_DIR: dir, ...env });
        expect(attempt).toThrow(ConfigError);
        expect(attempt).toThrow(
          new RegExp(
            `^Invalid configuration: ${variable} is not set, and the generated key in .*${file} is readable by group or others \\(mode 0?${mode.toString(8)}\\): run chmod 600 `,
          ),
        );
        expect(readFileSync(path, 'utf8')).toBe(before);
        expect(statSync(path).mode & 0o777).toBe(mode);
        chmodSync(path, 0o600);
        expect(() => loadConfig({ DATA_DIR: dir, ...env })).not.toThrow();
      }
    }
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
      // the sandbox Market's key is generated like the others, never a constant of the source
      expect(config.marketApi.apiKey!.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(join(dir, 'sandbox-market-api-key'), 'utf8').trim()).toBe(config.marketApi.apiKey);
      expect(statSync(join(dir, 'sandbox-market-api-key')).mode & 0o777).toBe(0o600);
      expect(loadConfig({ ...base(), DATA_DIR: dataDir(), SANDBOX: 'true' }).marketApi.apiKey).not.toBe(config.marketApi.apiKey);
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
        IMSHOP_API_KEY: 'imshop-real-key-0123',
        IMSHOP_STATUS_URL: 'https://imshop.example/statuses',
        IMSHOP_TICKETS_URL: 'https://imshop.example/tickets',
        MARKET_API_KEY: 'market-real-key-0123',
        MARKET_ALLOWED_CIDRS: '*',
      });
      expect(config.sandboxPeers).toEqual({ imshopStatus: false, imshopTickets: false, market: false });
      expect(config.imshop).toEqual({
        apiKey: 'imshop-real-key-0123',
        webhookKey: 'imshop-real-key-0123',
        statusUrl: 'https://imshop.example/statuses',
        ticketsUrl: 'https://imshop.example/tickets',
        keyGenerated: false,
      });
      // a Market key is for Market itself: its default URL stays
      expect(config.marketApi).toEqual(expect.objectContaining({ apiUrl: 'https://api.partner.market.yandex.ru', apiKey: 'market-real-key-0123' }));
      expect(config.marketAllowedCidrs).toBeNull();
      // a Market URL without a key: nothing is sent, as without the sandbox
      const urlOnly = loadConfig({ ...base(), SANDBOX: 'true', MARKET_API_URL: 'https://market.example' });
      expect(urlOnly.sandboxPeers.market).toBe(false);
      expect(urlOnly.marketApi).toEqual(expect.objectContaining({ apiUrl: 'https://market.example', apiKey: undefined }));
      // one IMSHOP URL configured, the other left to the sandbox
      const mixed = loadConfig({
        ...base(),
        SANDBOX: 'true',
        IMSHOP_STATUS_URL: 'https://imshop.example/statuses',
        IMSHOP_API_KEY: 'imshop-issued-key-0123',
        IMSHOP_WEBHOOK_KEY: 'imshop-webhook-key-1',
      });
      expect(mixed.sandboxPeers).toEqual({ imshopStatus: false, imshopTickets: true, market: true });
      expect(mixed.imshop).toEqual(
        expect.objectContaining({
          statusUrl: 'https://imshop.example/statuses',
          apiKey: 'imshop-issued-key-0123',
          webhookKey: 'imshop-webhook-key-1',
          keyGenerated: false,
        }),
      );
    });

    // The generated key went out as the Bearer token to the real IMSHOP at IMSHOP_STATUS_URL: the same key our
    // /imshop webhooks accept.
    it('refuses a configured IMSHOP URL without IMSHOP_API_KEY: its own key is for its own peers only', () => {
      for (const url of ['IMSHOP_STATUS_URL', 'IMSHOP_TICKETS_URL']) {
        for (const webhookKey of [{}, { IMSHOP_WEBHOOK_KEY: 'imshop-webhook-key-1' }]) {
          const dir = dataDir();
          const attempt = () => loadConfig({ ...base(), DATA_DIR: dir, SANDBOX: 'true', [url]: 'https://imshop.example/x', ...webhookKey });
          expect(attempt).toThrow(ConfigError);
          expect(attempt).toThrow(new RegExp(`^Invalid configuration: IMSHOP_API_KEY must be set when ${url} is configured with SANDBOX=true`));
          // refused before anything was generated
          expect(() => readFileSync(join(dir, 'imshop-webhook-key'))).toThrow();
        }
      }
      // without the sandbox a URL without a key is the IMSHOP integration switched off, as before
      expect(loadConfig({ ...base(), IMSHOP_STATUS_URL: 'https://imshop.example/x' }).imshop.apiKey).toBeUndefined();
    });

    // `npm start` against a real DATABASE_URL wrote the demo campaign into it and listened on every interface.
    it('refuses an external DATABASE_URL, naming the variable and the production command', () => {
      const attempt = () => loadConfig({ ...base(), SANDBOX: 'true', DATABASE_URL: 'postgres://shop@db.internal:5432/orders' });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^Invalid configuration: DATABASE_URL must not be set with SANDBOX=true .*embedded PostgreSQL.* npm run start:prod/);
      expect(loadConfig({ ...base(), DATABASE_URL: 'postgres://shop@db.internal:5432/orders' }).databaseUrl).toBe('postgres://shop@db.internal:5432/orders');
    });

    it('listens on loopback, and refuses any other HOST, naming the variable and the production command', () => {
      expect(loadConfig({ ...base(), SANDBOX: 'true' }).host).toBe('127.0.0.1');
      for (const host of ['127.0.0.1', '127.0.1.1', '::1', 'localhost', 'LOCALHOST'])
        expect(loadConfig({ ...base(), SANDBOX: 'true', HOST: host }).host).toBe(host);
      for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '::ffff:10.0.0.1', 'localhost.example.com']) {
        const attempt = () => loadConfig({ ...base(), SANDBOX: 'true', HOST: host });
        expect(attempt).toThrow(ConfigError);
        expect(attempt).toThrow(/^Invalid configuration: HOST must be a loopback address with SANDBOX=true .* npm run start:prod/);
      }
      // without the sandbox: every interface by default, as the container needs
      expect(loadConfig(base()).host).toBe('0.0.0.0');
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
