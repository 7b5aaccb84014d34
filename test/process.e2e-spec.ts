import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertBuilt,
  exitWithin,
  freePort,
  httpRequest,
  killEverything,
  parentPid,
  postgresPidsFor,
  spawnApp,
  startApp,
  type AppProcess,
} from './support/app-process';

/**
 * The built service as an operator runs it: `node dist/main.js` with the embedded PostgreSQL, stopped
 * with Ctrl-C / SIGTERM, crashed with kill -9, and started with broken configuration.
 */

const SHUTDOWN_MS = 20_000;
const dataDirs: string[] = [];
const startTimes: Record<string, number> = {};

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'order-sync-process-'));
  dataDirs.push(dir);
  return dir;
}

function output(app: AppProcess): string {
  return `--- stdout ---\n${app.logs.stdout}\n--- stderr ---\n${app.logs.stderr}`;
}

/** Sends `signal` to the process group and checks a clean exit that leaves no PostgreSQL behind. */
async function stopCleanly(app: AppProcess, signal: NodeJS.Signals): Promise<void> {
  app.stop(signal);
  const exit = await exitWithin(app, SHUTDOWN_MS);
  // On failure the diff shows the process output next to the exit (undefined: still running).
  expect({ exit, output: output(app) }).toEqual({ exit: { code: 0, signal: null }, output: expect.any(String) });
  // Right after the exit, not eventually: the app must wait for PostgreSQL to be down before it exits.
  expect(postgresPidsFor(app.dataDir)).toEqual([]);
  const logs = app.logs.stdout + app.logs.stderr;
  expect(logs).not.toContain('terminating connection due to administrator command');
  expect(logs).not.toContain('Unhandled');
  // The app closes its pool before PostgreSQL goes down: no backend was cut off by the shutdown.
  const pgLog = readFileSync(join(app.dataDir, 'postgres.log'), 'utf8');
  expect(pgLog).not.toContain('terminating connection due to administrator command');
  expect(pgLog).toContain('database system is shut down');
}

async function mappings(app: AppProcess, key: string): Promise<Array<{ externalCode: string; internalStatus: string }>> {
  const res = await httpRequest(app.port, 'GET', '/admin/status-mappings?source=oms', { headers: { 'X-Api-Key': key } });
  expect(res.status).toBe(200);
  expect(Array.isArray(res.body)).toBe(true);
  return res.body as Array<{ externalCode: string; internalStatus: string }>;
}

describe('the built service as a process (node dist/main.js)', () => {
  beforeAll(() => {
    assertBuilt();
  });

  afterAll(async () => {
    try {
      await killEverything(dataDirs);
      const left = dataDirs.flatMap((dir) => postgresPidsFor(dir));
      if (left.length > 0) throw new Error(`PostgreSQL processes left running: ${left.join(', ')}`);
    } finally {
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    }
    if (startTimes.cold !== undefined) {
      console.log(
        `start times: cold=${startTimes.cold}ms warm=${startTimes.warm ?? '?'}ms` +
          (startTimes.recovery !== undefined ? ` after-kill-9=${startTimes.recovery}ms` : ''),
      );
    }
  }, 60_000);

  it('cold-starts on an empty DATA_DIR, keeps data across a Ctrl-C and a warm start', async () => {
    const dataDir = newDataDir();

    const cold = await startApp({ dataDir });
    startTimes.cold = cold.readyMs!;
    const health = await httpRequest(cold.port, 'GET', '/health');
    expect(health.body).toEqual(
      expect.objectContaining({ status: 'ok', checks: expect.objectContaining({ database: expect.objectContaining({ status: 'up' }) }) }),
    );
    expect(postgresPidsFor(dataDir).length).toBeGreaterThan(0);

    const keyFile = join(dataDir, 'admin-api-key');
    expect(existsSync(keyFile)).toBe(true);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(cold.logs.stdout + cold.logs.stderr).not.toContain(key);

    expect((await mappings(cold, key)).filter((m) => m.externalCode === 'packed')).toEqual([]);
    const created = await httpRequest(cold.port, 'POST', '/admin/status-mappings', {
      headers: { 'X-Api-Key': key },
      json: { source: 'oms', externalCode: 'packed', internalStatus: 'READY_TO_SHIP' },
    });
    expect({ status: created.status, body: created.body }).toEqual({ status: 201, body: expect.objectContaining({ externalCode: 'packed' }) });

    await stopCleanly(cold, 'SIGINT');

    const warm = await startApp({ dataDir });
    startTimes.warm = warm.readyMs!;
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    // (GET ?source=oms lists inbound OMS rows; the view names the source `system`.)
    expect((await mappings(warm, key)).filter((m) => m.externalCode === 'packed')).toEqual([
      expect.objectContaining({ externalCode: 'packed', internalStatus: 'READY_TO_SHIP' }),
    ]);
    await stopCleanly(warm, 'SIGINT');
  }, 180_000);

  it('shuts down cleanly on SIGTERM', async () => {
    const app = await startApp({ dataDir: newDataDir() });
    expect(postgresPidsFor(app.dataDir).length).toBeGreaterThan(0);
    await stopCleanly(app, 'SIGTERM');
  }, 120_000);

  it('recovers after kill -9: the orphaned PostgreSQL is stopped and a fresh one started', async () => {
    const dataDir = newDataDir();
    const first = await startApp({ dataDir });
    const [postmaster] = postgresPidsFor(dataDir);
    expect(parentPid(postmaster)).toBe(first.pid);

    first.kill('SIGKILL');
    const exit = await exitWithin(first, 10_000);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    // The orphan survives its parent and keeps the data directory locked.
    expect(postgresPidsFor(dataDir)).toContain(postmaster);
    expect(parentPid(postmaster)).not.toBe(first.pid);

    const second = await startApp({ dataDir });
    startTimes.recovery = second.readyMs!;
    const now = postgresPidsFor(dataDir);
    expect(now).not.toContain(postmaster);
    expect(now.length).toBeGreaterThan(0);
    const [fresh] = now;
    expect(parentPid(fresh)).toBe(second.pid);
    const health = await httpRequest(second.port, 'GET', '/health');
    expect(health.body).toEqual(expect.objectContaining({ checks: expect.objectContaining({ database: expect.objectContaining({ status: 'up' }) }) }));

    await stopCleanly(second, 'SIGINT');
  }, 180_000);

  describe('refuses bad configuration with one line on stderr and exit code 1', () => {
    it.each([
      ['PORT', 'abc'],
      ['LOG_LEVEL', 'loud'],
      ['DATABASE_URL', 'mysql://x'],
      ['LOG_FORMAT', 'xml'],
    ])(
      '%s=%s',
      async (variable, value) => {
        const dataDir = newDataDir();
        const app = spawnApp({
          PORT: String(await freePort()),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          EMBEDDED_PG_PORT: String(await freePort()),
          [variable]: value,
        });
        const exit = await exitWithin(app, 30_000);
        if (!exit) app.stop('SIGKILL');
        expect({ exit, output: output(app) }).toEqual({ exit: { code: 1, signal: null }, output: expect.any(String) });
        const lines = app.logs.stderr.split('\n').filter((line) => line.trim() !== '');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${variable}\\b`));
        expect(postgresPidsFor(dataDir)).toEqual([]);
        expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
      },
      60_000,
    );
  });
});
