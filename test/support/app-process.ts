import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/**
 * Runs the real built service (`node dist/main.js`) as a child process, the way an operator does,
 * for the process-level e2e tests: start-up, signals, crash recovery, configuration errors.
 */

/** Tests are run from the package root (npm test, npx jest), like the service itself. */
export const MAIN_JS = resolve(process.cwd(), 'dist', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) {
    throw new Error(`${MAIN_JS} does not exist: run npm run build first (npm test builds it in pretest)`);
  }
}

/** Variables the service reads: never inherited from the test runner's environment. */
const APP_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'EMBEDDED_PG_PORT',
  'REDIS_URL',
  'ADMIN_API_KEY',
  'LOG_LEVEL',
  'BODY_LIMIT',
  'NODE_ENV',
  // e.g. --experimental-vm-modules for jest: would add warnings to the child's stderr
  'NODE_OPTIONS',
];

export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env };
  for (const name of APP_VARIABLES) delete result[name];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

const usedPorts = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = net.createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)));
  });
}

/**
 * A free TCP port outside the kernel's ephemeral range (32768-60999), so an outgoing connection of
 * some other process cannot take it between this check and the service binding it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (usedPorts.has(port)) continue;
    if (await canBind(port)) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error('no free port found in 20000-31999');
}

export interface HttpResponse {
  status: number;
  text: string;
  body: unknown;
}

/** One HTTP request on its own connection (no keep-alive: nothing of ours holds the server open). */
export function httpRequest(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          Connection: 'close',
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          done({ status: res.statusCode ?? 0, text, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', fail);
    req.end(payload);
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  pid: number;
  port: number;
  dataDir: string;
  /** Milliseconds from spawn to the first 200 from GET /health (undefined until then). */
  readyMs?: number;
  /** Signals the whole process group, as a terminal's Ctrl-C (SIGINT) does. */
  stop(signal?: NodeJS.Signals): void;
  /** Signals the node process only (e.g. SIGKILL to simulate a crash). */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<Exit>;
  hasExited(): boolean;
  logs: { stdout: string; stderr: string };
}

/** Every process the helpers spawned, so afterAll can make sure none survives. */
const spawned: AppProcess[] = [];

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Spawns `node dist/main.js` in its own process group with exactly `env` on top of a clean environment;
 * `nodeArgs` go before the script; `root`: another install of the package to run it from (default: this one).
 */
export function spawnApp(env: Record<string, string | undefined>, nodeArgs: string[] = [], root?: string): AppProcess {
  assertBuilt();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, root ? resolve(root, 'dist', 'main.js') : MAIN_JS], {
    cwd: root ?? process.cwd(),
    env: childEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn node dist/main.js');
  const pid = child.pid;
  const logs = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (logs.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (logs.stderr += chunk));
  let exitedYet = false;
  const exited = new Promise<Exit>((done) => {
    let exit: Exit | undefined;
    // 'close' comes after the output pipes are drained; do not wait for it forever in case some
    // descendant kept them open.
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      exitedYet = true;
      setTimeout(() => done(exit!), 2_000).unref();
    });
    child.once('close', (code, signal) => {
      exitedYet = true;
      done(exit ?? { code, signal });
    });
  });
  const app: AppProcess = {
    pid,
    port: Number(env.PORT),
    dataDir: env.DATA_DIR ?? '',
    stop(signal = 'SIGINT') {
      process.kill(-pid, signal);
    },
    kill(signal) {
      process.kill(pid, signal);
    },
    exited,
    hasExited: () => exitedYet,
    logs,
  };
  spawned.push(app);
  return app;
}

export interface StartOptions {
  dataDir: string;
  /** Extra environment (DATABASE_URL and REDIS_URL are unset unless given here). */
  env?: Record<string, string | undefined>;
  healthTimeoutMs?: number;
  /** Node options before dist/main.js, e.g. `--env-file=sandbox.env` as `npm start` runs it. */
  nodeArgs?: string[];
}

/**
 * Starts the service on free ports with the embedded PostgreSQL under `dataDir` and resolves once
 * GET /health answers 200. Rejects (after killing the process group) when it exits or times out first.
 */
export async function startApp(options: StartOptions): Promise<AppProcess> {
  const port = await freePort();
  const pgPort = await freePort();
  const started = Date.now();
  const app = spawnApp(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      ...options.env,
    },
    options.nodeArgs,
  );
  const deadline = started + (options.healthTimeoutMs ?? 60_000);
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (app.hasExited()) {
      const exit = await app.exited;
      throw new Error(
        `node dist/main.js exited before becoming healthy (code ${exit.code}, signal ${exit.signal})\n` +
          `--- stdout ---\n${app.logs.stdout}\n--- stderr ---\n${app.logs.stderr}`,
      );
    }
    try {
      const res = await httpRequest(port, 'GET', '/health', { timeoutMs: 2_000 });
      if (res.status === 200) {
        app.readyMs = Date.now() - started;
        return app;
      }
      last = `${res.status} ${res.text}`;
    } catch (error) {
      last = String(error);
    }
    await delay(100);
  }
  await killGroup(app);
  throw new Error(
    `GET /health did not answer 200 within ${options.healthTimeoutMs ?? 60_000} ms (last: ${last})\n` +
      `--- stdout ---\n${app.logs.stdout}\n--- stderr ---\n${app.logs.stderr}`,
  );
}

/** Resolves with the exit, or with undefined after `ms`. */
export function exitWithin(app: AppProcess, ms: number): Promise<Exit | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    app.exited,
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function killGroup(app: AppProcess): Promise<void> {
  if (processGroupAlive(app.pid)) {
    try {
      process.kill(-app.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exitWithin(app, 5_000);
}

function readCmdline(pid: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL postmasters whose arguments name a path in `dataDir` (`-D <dataDir>/postgres`), plus
 * their children (backends rename themselves to "postgres: ..." and no longer show the path).
 */
export function postgresPidsFor(dataDir: string): number[] {
  const dir = dataDir.replace(/\/+$/, '');
  // An empty or shallow path would match every PostgreSQL on the machine (e.g. the system server).
  if (!isAbsolute(dir) || dir.split('/').filter(Boolean).length < 2) {
    throw new Error(`postgresPidsFor needs the absolute path of a test data dir, got "${dataDir}"`);
  }
  const postmasters = new Set<number>();
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readCmdline(entry);
    if (!args || args.length === 0) continue;
    const isPostgres = args[0].split('/').pop() === 'postgres' || args[0].startsWith('postgres:');
    if (!isPostgres) continue;
    if (args.some((arg) => arg === dir || arg.startsWith(`${dir}/`))) postmasters.add(Number(entry));
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const children = [...parentOf].filter(([pid, ppid]) => !postmasters.has(pid) && postmasters.has(ppid)).map(([pid]) => pid);
  return [...postmasters, ...children];
}

/** Parent pid of a process (undefined when it is gone). */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Kills every process this module started and any PostgreSQL left under the given data dirs. */
export async function killEverything(dataDirs: string[]): Promise<void> {
  await Promise.all(spawned.map((app) => killGroup(app)));
  // Only ever signal servers of the tests' own temporary data dirs.
  const tmp = realpathSync(tmpdir());
  for (const dir of dataDirs) {
    if (!realpathSync(dir).startsWith(`${tmp}/`)) throw new Error(`refusing to stop PostgreSQL outside ${tmp}: ${dir}`);
  }
  const left = () => dataDirs.flatMap((dir) => postgresPidsFor(dir));
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of left()) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone meanwhile
      }
    }
  };
  // A fast shutdown first (releases shared memory and the data dir lock), then SIGKILL.
  signal('SIGINT');
  let deadline = Date.now() + 10_000;
  while (Date.now() < deadline && left().length > 0) await delay(100);
  signal('SIGKILL');
  deadline = Date.now() + 5_000;
  while (Date.now() < deadline && left().length > 0) await delay(100);
}
