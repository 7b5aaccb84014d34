import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** pretty: coloured lines for a person at a terminal; json: one JSON object per line, for log collectors. */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Every environment variable the service reads; `.env.example` documents each (checked by a test). */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATA_DIR',
  'EMBEDDED_PG_PORT',
  'REDIS_URL',
  'ADMIN_API_KEY',
  'LOG_LEVEL',
  'BODY_LIMIT',
  'TRUST_PROXY',
  'MARKET_INTEGRATION_NAME',
  'MARKET_ALLOWED_CIDRS',
  'IMSHOP_API_KEY',
  'IMSHOP_WEBHOOK_KEY',
  'IMSHOP_STATUS_URL',
  'IMSHOP_TICKETS_URL',
  'MARKET_API_URL',
  'MARKET_API_KEY',
  'MARKET_API_PARALLEL',
  'MARKET_RECONCILE_MINUTES',
  'DELIVERY_MAX_ATTEMPTS',
  'DELIVERY_BACKOFF_MS',
  'DELIVERY_BACKOFF_MAX_MS',
  'DELIVERY_TIMEOUT_MS',
  'DELIVERY_CONCURRENCY',
  'OUTBOX_SWEEP_MS',
  'QUEUE_PREFIX',
  'APP_ROLE',
  'METRICS_TOKEN',
  'ADMIN_RATE_LIMIT',
  'PAUSE_AFTER_MINUTES',
  'TARGET_PROBE_INTERVAL_MS',
  'RETENTION_EVENTS_DAYS',
  'RETENTION_ATTEMPTS_DAYS',
  'RETENTION_INTERVAL_MS',
  'RETENTION_BATCH_SIZE',
  'REPLAY_SYNC_LIMIT',
  'LOG_FORMAT',
  'SANDBOX',
  'EVENT_TIME_MAX_SKEW_SECONDS',
  'CONSOLE_SESSION_HOURS',
] as const;

/** api: HTTP only; worker: deliveries and the outbox sweeper (plus /health and /metrics); all: both. */
export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

/** The networks Yandex Market sends notifications from (its partner documentation). */
export const MARKET_DEFAULT_CIDRS = ['5.45.207.0/25', '141.8.142.0/25', '5.255.253.0/25'];

/** Everything the service reads from the environment, parsed and checked once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  /** Unset: an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string;
  /** Connections of the request path's pool (the delivery worker has its own, see DeliveryPool). */
  databasePoolSize: number;
  dataDir: string;
  embeddedPgPort: number;
  /** Unset: BullMQ runs on the PostgreSQL backend in the same database. */
  redisUrl?: string;
  adminApiKey: string;
  /** True when no ADMIN_API_KEY was given and one was generated into the data directory. */
  adminApiKeyGenerated: boolean;
  logLevel: LogLevel;
  /** Unset: pretty when stdout is a terminal and NODE_ENV is not production, JSON otherwise. */
  logFormat?: LogFormat;
  bodyLimitBytes: number;
  /**
   * Express `trust proxy`: false (ignore X-Forwarded-For) or the proxies' own addresses and networks
   * (`loopback`, `10.0.0.0/8`, …: only they may set X-Forwarded-For). Never a hop count or `true`: those believe
   * the header from whoever reaches the service directly.
   */
  trustProxy: false | string[];
  marketIntegrationName: string;
  /** Networks allowed to call /market; null means everyone (MARKET_ALLOWED_CIDRS=*, for development). */
  marketAllowedCidrs: string[] | null;
  imshop: ImshopConfig;
  marketApi: MarketApiConfig;
  delivery: DeliveryConfig;
  /** Namespace of the BullMQ queues, so several deployments (or test runs) can share one Redis. */
  queuePrefix: string;
  role: AppRole;
  /** A scrape-only credential for /metrics, so Prometheus needs no admin key. */
  metricsToken?: string;
  /** Admin requests per minute per client address. */
  adminRateLimit: number;
  operations: OperationsConfig;
  /**
   * SANDBOX=true (what `npm start` sets): the app stands in for every peer whose URL was left unset, under
   * /sandbox/..., and /market admits loopback callers, so the whole loop can be tried from Swagger UI.
   */
  sandbox: boolean;
  /** Which outbound URLs point at the app's own sandbox peers (all false without the sandbox). */
  sandboxPeers: { imshopStatus: boolean; imshopTickets: boolean; market: boolean };
  /**
   * How far after its receipt an inbound event may be dated; beyond it the event counts at the receive time
   * (a peer's clock running ahead must not freeze an order: see common/event-time.ts).
   */
  eventTimeMaxSkewMs: number;
  /** How long a sign-in to the web console (/console) lasts; then the admin key is asked for again. */
  consoleSessionMs: number;
}

/** Endpoint health (pausing), retention and replay. */
export interface OperationsConfig {
  /** A target failing continuously this long is paused (0: never paused automatically). */
  pauseAfterMs: number;
  /** How often a paused target is probed with one waiting delivery. */
  probeIntervalMs: number;
  /** Inbound events (market_events, imshop_ticket_events) older than this are deleted. */
  retentionEventsDays: number;
  /** Delivery attempts, and finished deliveries that are not the latest of their order and target, older than this are deleted. */
  retentionAttemptsDays: number;
  /** How often the retention job runs (0: never on a schedule; POST /admin/retention/run still works). */
  retentionIntervalMs: number;
  /** Rows deleted per statement. */
  retentionBatchSize: number;
  /** A replay matching more events than this runs in the background. */
  replaySyncLimit: number;
}

export interface ImshopConfig {
  /** Sent as a Bearer token on every call to IMSHOP. Unset: the IMSHOP integration is off. */
  apiKey?: string;
  /** What IMSHOP's calls to us must carry; defaults to the API key. Unset: IMSHOP webhooks get 401. */
  webhookKey?: string;
  /** The whole URL is treated as a secret (IMSHOP may put a token in it): it is never logged. */
  statusUrl?: string;
  ticketsUrl?: string;
  /** True when the sandbox generated the key into the data directory (neither IMSHOP key was set). */
  keyGenerated: boolean;
}

/** Market's partner API (our calls to Market). */
export interface MarketApiConfig {
  /** Base URL, default Market's public host. */
  apiUrl: string;
  /** Sent in the `Api-Key` header. Unset: nothing is sent to Market (status push, detail fetch, cancellation answers). */
  apiKey?: string;
  /** Parallel requests per campaign / business (Market allows 4). */
  maxParallel: number;
  /** How often the workers pull orders changed on Market (reconciliation); 0: only by POST /admin/market/reconcile. */
  reconcileIntervalMs: number;
}

export interface DeliveryConfig {
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  concurrency: number;
  sweepMs: number;
}

/**
 * The delivery worker's writes that go through the request path's pool (a cancellation Market accepted, fetched
 * order details, a store ticket): at most this many at once, whatever DELIVERY_CONCURRENCY is.
 */
export const MARKET_FOLLOW_UP_CONNECTIONS = 2;
/**
 * Connections of the request path's pool that background work can hold at once, whatever the traffic: the
 * delivery worker's follow-ups, the reconciliation pull's advisory locks (the job's and a campaign's, held
 * for a pull), and the retention job's lock.
 */
const BACKGROUND_CONNECTIONS = MARKET_FOLLOW_UP_CONNECTIONS + 2 + 1;
/** What the request path keeps of DATABASE_POOL_SIZE at the least, beside the background work. */
const MIN_REQUEST_CONNECTIONS = 2;

/** A bad environment value; the message names the variable so the operator can fix it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer between ${min} and ${max} (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** A non-negative decimal (e.g. `0.05` minutes in tests). */
function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a number between ${min} and ${max} (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL like ${protocols[0]}//host:port/... (could not parse it)`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
  }
  return raw;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 * 1024 };

function byteSize(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
  if (!match) throw new ConfigError(name, `must be a size like 1mb, 512kb or 1048576 (got "${raw}")`);
  const bytes = Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()];
  if (bytes < 1024 || bytes > 64 * 1024 * 1024) throw new ConfigError(name, 'must be between 1kb and 64mb');
  return bytes;
}

/** Every key and token the service takes (ADMIN_API_KEY, METRICS_TOKEN, the IMSHOP and Market keys) is at least this long. */
export const KEY_MIN_LENGTH = 16;

/** A key or token from the environment: unset, or at least KEY_MIN_LENGTH characters (never echoed in the error). */
function secret(env: Env, name: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && value.length < KEY_MIN_LENGTH) {
    throw new ConfigError(name, `must be at least ${KEY_MIN_LENGTH} characters long (got ${value.length})`);
  }
  return value;
}

/**
 * A generated key kept in the data directory: created once (readable by the owner only), and refused at boot when
 * it is too short (an emptied or truncated file must not lock a door with a guessable key) or when group or others
 * may read it (anyone on the machine could then use it). `variable` is the setting that would replace the file.
 */
function generatedKey(file: string, variable: string): string {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    // Windows has no such modes; elsewhere the file must be the owner's alone.
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new ConfigError(
        variable,
        `is not set, and the generated key in ${file} is readable by group or others (mode ${mode.toString(8).padStart(3, '0')}): ` +
          `run chmod 600 ${file} (or delete it to have a new key generated), or set ${variable}`,
      );
    }
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < KEY_MIN_LENGTH) {
      throw new ConfigError(
        variable,
        `is not set, and the generated key in ${file} is ${stored.length ? `only ${stored.length} characters long` : 'empty'} ` +
          `(at least ${KEY_MIN_LENGTH}): delete the file to have a new key generated, or set ${variable}`,
      );
    }
    return stored;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

/**
 * Without ADMIN_API_KEY the admin API must still be locked, so a random key is generated once and kept
 * in the data directory (readable by the owner only). The key itself is never logged.
 */
function resolveAdminKey(env: Env, dataDir: string): { key: string; generated: boolean } {
  const given = secret(env, 'ADMIN_API_KEY');
  if (given !== undefined) return { key: given, generated: false };
  return { key: generatedKey(adminKeyFile({ dataDir }), 'ADMIN_API_KEY'), generated: true };
}

/**
 * The sandbox's IMSHOP key, for IMSHOP's calls to us and ours to the sandbox IMSHOP: generated once into the
 * data directory like the admin key (readable by the owner only), never logged.
 */
function resolveSandboxImshopKey(dataDir: string): string {
  return generatedKey(imshopKeyFile({ dataDir }), 'IMSHOP_WEBHOOK_KEY');
}

function flag(env: Env, name: string): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

/** The app's own base URL as seen from itself: the sandbox peers are called over real HTTP like any peer. */
export function selfUrl(host: string, port: number): string {
  const address = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The production command, named by every refusal of the sandbox. */
const PRODUCTION_COMMAND = 'npm run start:prod (node dist/main.js, without SANDBOX)';

/** Addresses that only this machine can reach: the sandbox listens on nothing else. */
function isLoopbackHost(host: string): boolean {
  const address = host.toLowerCase();
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || /^::ffff:127\./.test(address);
}

/** Loopback callers, admitted at /market in the sandbox (Swagger UI's "Try it out" on the same machine). */
export const LOOPBACK_CIDRS = ['127.0.0.0/8', '::1/128'];

/** Express's names for address ranges in `trust proxy`. */
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(env: Env): false | string[] {
  const raw = optional(env, 'TRUST_PROXY')?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || /^\d+$/.test(raw)) {
    // Express takes both, and then believes X-Forwarded-For from whoever connects: anyone who reaches the port
    // directly passes Market's IP allowlist and the per-address limits with a header of their choosing.
    throw new ConfigError(
      'TRUST_PROXY',
      `must name the proxies by address, not ${raw === 'true' ? '"true"' : `a hop count ("${raw}")`}: TRUST_PROXY=loopback for a proxy on this host, ` +
        `TRUST_PROXY=10.0.0.5 or TRUST_PROXY=10.0.0.0/8 for one elsewhere (comma-separated; loopback, linklocal, uniquelocal name ranges). ` +
        `A hop count or true believes X-Forwarded-For from any caller that reaches the service directly`,
    );
  }
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.find((entry) => !TRUST_PROXY_NAMES.includes(entry) && !isAddressOrNetwork(entry));
  if (bad !== undefined || !entries.length) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be false or the proxies' own addresses or networks, comma-separated (loopback, linklocal, uniquelocal, 10.0.0.5, 10.0.0.0/8, ::1, …) ` +
        `(got "${bad ?? raw}")`,
    );
  }
  return entries;
}

function isAddressOrNetwork(entry: string): boolean {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
  const version = match ? isIP(match[1]) : 0;
  return version !== 0 && (match![2] === undefined || Number(match![2]) <= (version === 4 ? 32 : 128));
}

function cidrList(env: Env, name: string, fallback: string[]): string[] | null {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw === '*') return null;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (!entries.length) throw new ConfigError(name, 'must list at least one network (or * to allow all)');
  for (const entry of entries) {
    const match = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    const version = match ? isIP(match[1]) : 0;
    if (!match || version === 0 || Number(match[2]) > (version === 4 ? 32 : 128)) {
      throw new ConfigError(name, `has "${entry}", which is not a network like 5.45.207.0/25 or 2a02:6b8::/32`);
    }
  }
  return entries;
}

export function adminKeyFile(config: Pick<AppConfig, 'dataDir'>): string {
  return join(config.dataDir, 'admin-api-key');
}

export function imshopKeyFile(config: Pick<AppConfig, 'dataDir'>): string {
  return join(config.dataDir, 'imshop-webhook-key');
}

/** The key the sandbox Market takes (and our calls to it send) while MARKET_API_KEY is unset. */
export function sandboxMarketKeyFile(config: Pick<AppConfig, 'dataDir'>): string {
  return join(config.dataDir, 'sandbox-market-api-key');
}

export function loadConfig(env: Env = process.env): AppConfig {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const sandbox = flag(env, 'SANDBOX');
  // The sandbox is for trying the service on this machine: it listens on loopback only.
  const host = optional(env, 'HOST') ?? (sandbox ? '127.0.0.1' : '0.0.0.0');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDirRaw = optional(env, 'DATA_DIR') ?? './data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw);
  const embeddedPgPort = integer(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535);
  const databasePoolSize = integer(env, 'DATABASE_POOL_SIZE', 20, 1, 1000);
  if (databasePoolSize < BACKGROUND_CONNECTIONS + MIN_REQUEST_CONNECTIONS) {
    throw new ConfigError(
      'DATABASE_POOL_SIZE',
      `must be at least ${BACKGROUND_CONNECTIONS + MIN_REQUEST_CONNECTIONS} (got ${databasePoolSize}): background work holds up to ${BACKGROUND_CONNECTIONS} ` +
        `of it whatever DELIVERY_CONCURRENCY is (the delivery worker's follow-up writes ${MARKET_FOLLOW_UP_CONNECTIONS}, the reconciliation's locks 2, ` +
        `the retention's 1), and webhooks need the rest`,
    );
  }
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const logLevelRaw = (optional(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);
  }
  const bodyLimitBytes = byteSize(env, 'BODY_LIMIT', 1024 * 1024);
  const logFormat = optional(env, 'LOG_FORMAT')?.toLowerCase();
  if (logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError('LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')} (got "${logFormat}"); unset: pretty on a terminal, JSON otherwise`);
  }
  if (sandbox && optional(env, 'NODE_ENV')?.toLowerCase() === 'production') {
    throw new ConfigError(
      'SANDBOX',
      'must not be true with NODE_ENV=production: the sandbox admits loopback callers at /market and answers for IMSHOP and Market itself',
    );
  }
  if (sandbox && (optional(env, 'APP_ROLE') ?? 'all').toLowerCase() !== 'all') {
    throw new ConfigError('SANDBOX', 'needs APP_ROLE=all: the sandbox peers are served by the process that calls them');
  }
  if (sandbox && port === 0) throw new ConfigError('PORT', 'must be a fixed port with SANDBOX=true: the sandbox peers are called at it');
  // `npm start` must not become production by accident: the sandbox writes a demo campaign with every rule on,
  // admits loopback callers at /market and answers for the peers left unset.
  if (sandbox && databaseUrl !== undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      `must not be set with SANDBOX=true (what npm start sets): the sandbox runs only on the embedded PostgreSQL it creates in DATA_DIR, ` +
        `since it writes a demo Market campaign with every rule on and admits loopback callers at /market. Against a real database run ${PRODUCTION_COMMAND}`,
    );
  }
  if (sandbox && !isLoopbackHost(host)) {
    throw new ConfigError(
      'HOST',
      `must be a loopback address with SANDBOX=true (127.0.0.1, ::1 or localhost; got "${host}"): the sandbox admits loopback callers at /market and ` +
        `answers for IMSHOP and Market itself, so it serves this machine only. To serve others run ${PRODUCTION_COMMAND}`,
    );
  }
  const self = selfUrl(host, port);
  const imshopStatusUrl = url(env, 'IMSHOP_STATUS_URL', ['https:', 'http:']);
  const imshopTicketsUrl = url(env, 'IMSHOP_TICKETS_URL', ['https:', 'http:']);
  const marketApiUrl = url(env, 'MARKET_API_URL', ['https:', 'http:']);
  const marketApiKey = secret(env, 'MARKET_API_KEY');
  const sandboxPeers = {
    imshopStatus: sandbox && !imshopStatusUrl,
    imshopTickets: sandbox && !imshopTicketsUrl,
    // Market's URL has a default (Market itself): the sandbox stands in only when neither its URL nor a key was given.
    market: sandbox && !marketApiUrl && !marketApiKey,
  };
  const givenImshopApiKey = secret(env, 'IMSHOP_API_KEY');
  const givenImshopWebhookKey = secret(env, 'IMSHOP_WEBHOOK_KEY');
  // The sandbox's own IMSHOP key (generated, or the webhook key) is for its own peers only: a real IMSHOP gets the key it issued.
  if (sandbox && (imshopStatusUrl || imshopTicketsUrl) && !givenImshopApiKey) {
    throw new ConfigError(
      'IMSHOP_API_KEY',
      `must be set when ${imshopStatusUrl ? 'IMSHOP_STATUS_URL' : 'IMSHOP_TICKETS_URL'} is configured with SANDBOX=true: the sandbox's IMSHOP key is only ` +
        `for its own peers and is never sent to a configured IMSHOP URL`,
    );
  }
  const sandboxImshopKey = sandbox && !givenImshopApiKey && !givenImshopWebhookKey ? resolveSandboxImshopKey(dataDir) : undefined;
  const imshopApiKey = givenImshopApiKey ?? (sandboxPeers.imshopStatus || sandboxPeers.imshopTickets ? (givenImshopWebhookKey ?? sandboxImshopKey) : undefined);
  const imshop: ImshopConfig = {
    apiKey: imshopApiKey,
    webhookKey: givenImshopWebhookKey ?? givenImshopApiKey ?? sandboxImshopKey,
    statusUrl: imshopStatusUrl ?? (sandboxPeers.imshopStatus ? `${self}/sandbox/imshop/statuses` : undefined),
    ticketsUrl: imshopTicketsUrl ?? (sandboxPeers.imshopTickets ? `${self}/sandbox/imshop/tickets` : undefined),
    keyGenerated: sandboxImshopKey !== undefined,
  };
  const marketApi: MarketApiConfig = {
    apiUrl: marketApiUrl ?? (sandboxPeers.market ? `${self}/sandbox/market` : 'https://api.partner.market.yandex.ru'),
    // The sandbox Market's key: generated once into the data directory like the other keys, never a constant.
    apiKey: marketApiKey ?? (sandboxPeers.market ? generatedKey(sandboxMarketKeyFile({ dataDir }), 'MARKET_API_KEY') : undefined),
    maxParallel: integer(env, 'MARKET_API_PARALLEL', 4, 1, 4),
    reconcileIntervalMs: Math.round(decimal(env, 'MARKET_RECONCILE_MINUTES', 10, 0, 1440) * 60_000),
  };
  const delivery: DeliveryConfig = {
    // 8 attempts = the first one and the 7 retries of the schedule in backoff.ts (5 s ... 10 h).
    maxAttempts: integer(env, 'DELIVERY_MAX_ATTEMPTS', 8, 1, 100),
    // The sandbox retries in seconds (0.1 s, 6 s, 36 s, ...), so a failing peer's retries can be watched by hand.
    backoffMs: integer(env, 'DELIVERY_BACKOFF_MS', sandbox ? 100 : 5000, 1, 3_600_000),
    backoffMaxMs: integer(env, 'DELIVERY_BACKOFF_MAX_MS', 10 * 3_600_000, 1, 7 * 24 * 3_600_000),
    timeoutMs: integer(env, 'DELIVERY_TIMEOUT_MS', 10_000, 100, 120_000),
    concurrency: integer(env, 'DELIVERY_CONCURRENCY', 10, 1, 200),
    sweepMs: integer(env, 'OUTBOX_SWEEP_MS', 30_000, 50, 3_600_000),
  };
  const queuePrefix = optional(env, 'QUEUE_PREFIX') ?? 'order-sync';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(queuePrefix)) throw new ConfigError('QUEUE_PREFIX', 'must be 1-64 letters, digits, - or _');
  const role = (optional(env, 'APP_ROLE') ?? 'all').toLowerCase();
  if (!(APP_ROLES as readonly string[]).includes(role)) throw new ConfigError('APP_ROLE', `must be one of ${APP_ROLES.join(', ')} (got "${role}")`);
  const metricsToken = secret(env, 'METRICS_TOKEN');
  const marketIntegrationName = optional(env, 'MARKET_INTEGRATION_NAME') ?? 'order-sync';
  if (marketIntegrationName.length > 100) throw new ConfigError('MARKET_INTEGRATION_NAME', 'must be 1-100 characters');
  const admin = resolveAdminKey(env, dataDir);
  return {
    port,
    host,
    databaseUrl,
    databasePoolSize,
    dataDir,
    embeddedPgPort,
    redisUrl,
    adminApiKey: admin.key,
    adminApiKeyGenerated: admin.generated,
    logLevel: logLevelRaw as LogLevel,
    logFormat: logFormat as LogFormat | undefined,
    bodyLimitBytes,
    trustProxy: trustProxy(env),
    marketIntegrationName,
    marketAllowedCidrs: sandboxCidrs(sandbox, cidrList(env, 'MARKET_ALLOWED_CIDRS', MARKET_DEFAULT_CIDRS)),
    imshop,
    marketApi,
    delivery,
    queuePrefix,
    role: role as AppRole,
    metricsToken,
    adminRateLimit: integer(env, 'ADMIN_RATE_LIMIT', 600, 1, 1_000_000),
    operations: {
      pauseAfterMs: Math.round(decimal(env, 'PAUSE_AFTER_MINUTES', 60, 0, 10_080) * 60_000),
      probeIntervalMs: integer(env, 'TARGET_PROBE_INTERVAL_MS', 60_000, 50, 86_400_000),
      retentionEventsDays: integer(env, 'RETENTION_EVENTS_DAYS', 90, 1, 3650),
      retentionAttemptsDays: integer(env, 'RETENTION_ATTEMPTS_DAYS', 30, 1, 3650),
      retentionIntervalMs: integer(env, 'RETENTION_INTERVAL_MS', 3_600_000, 0, 7 * 86_400_000),
      retentionBatchSize: integer(env, 'RETENTION_BATCH_SIZE', 1000, 1, 100_000),
      replaySyncLimit: integer(env, 'REPLAY_SYNC_LIMIT', 100, 0, 100_000),
    },
    sandbox,
    sandboxPeers,
    eventTimeMaxSkewMs: integer(env, 'EVENT_TIME_MAX_SKEW_SECONDS', 60, 0, 86_400) * 1000,
    consoleSessionMs: Math.round(decimal(env, 'CONSOLE_SESSION_HOURS', 8, 0.05, 720) * 3_600_000),
  };
}

function sandboxCidrs(sandbox: boolean, cidrs: string[] | null): string[] | null {
  if (!sandbox || cidrs === null) return cidrs;
  return [...cidrs, ...LOOPBACK_CIDRS.filter((cidr) => !cidrs.includes(cidr))];
}

/** Injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
