import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, type CreateAppOptions } from '../../src/bootstrap';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { checkAnswers, type AnswerCheck } from './answer-check';

export const ADMIN_KEY = 'test-admin-key-0123456789';

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_SERVER_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('no test database server: run the tests through jest (global setup starts one)');
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server, so test files never see each other's rows. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `os_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Cuts every connection to a database and refuses new ones: the app sees its database go down. */
export async function takeDatabaseDown(name: string): Promise<void> {
  await admin(async (client) => {
    await client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  });
}

export async function bringDatabaseUp(name: string): Promise<void> {
  await admin((client) => client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  db: DataSource;
  http: () => ReturnType<typeof request>;
  databaseName: string;
  /** Every answer is checked against the app's own /docs-json (see answer-check.ts). */
  answers: AnswerCheck;
  /**
   * Serves real HTTP on an ephemeral port of 127.0.0.1 (for a browser or any other real client) and
   * returns the base URL, e.g. `http://127.0.0.1:41234`. Optional: `http()` works without it.
   */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Boots the real application (same module graph as main.ts) on a real PostgreSQL, with Redis when
 * REDIS_URL is set. Pass `databaseUrl` to start a second instance on the same database.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  shared?: { databaseUrl: string; databaseName: string },
  options: CreateAppOptions = {},
): Promise<TestApp> {
  const database = shared ? { url: shared.databaseUrl, name: shared.databaseName, drop: async () => undefined } : await createTestDatabase();
  // The app's own files (a generated key, say), removed on close unless the test brought its own directory.
  const ownDataDir = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'order-sync-test-'));
  const removeOwnDataDir = () => ownDataDir && rmSync(ownDataDir, { recursive: true, force: true });
  let config: AppConfig;
  let app: INestApplication;
  let answers: AnswerCheck;
  try {
    // The database is one this harness created, handed over after the configuration is read, as main.ts hands over
    // the embedded one it starts (DATABASE_URL itself is an external database, which SANDBOX=true refuses).
    config = {
      ...loadConfig({
        ADMIN_API_KEY: ADMIN_KEY,
        DATA_DIR: ownDataDir,
        LOG_LEVEL: 'fatal',
        REDIS_URL: process.env.REDIS_URL,
        // Test apps may share one Redis: each gets its own queue namespace.
        QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
        // No scheduled Market reconciliation pull unless a test asks for one (it would add calls to a fake Market).
        MARKET_RECONCILE_MINUTES: '0',
        ...env,
        DATABASE_URL: undefined,
      }),
      databaseUrl: database.url,
    };
    app = await createApp(config, options);
    await app.init();
    try {
      answers = await checkAnswers(app, config);
    } catch (error) {
      await app.close();
      throw error;
    }
  } catch (error) {
    // A test that expects the boot to be refused leaves nothing behind either.
    await database.drop();
    removeOwnDataDir();
    throw error;
  }
  const server = app.getHttpServer();
  return {
    app,
    config,
    db: app.get(DataSource),
    http: () => request(server),
    databaseName: database.name,
    answers,
    async listen() {
      await app.listen(0, '127.0.0.1');
      return (await app.getUrl()).replace('[::1]', '127.0.0.1');
    },
    async close() {
      await app.close();
      await database.drop();
      removeOwnDataDir();
    },
  };
}
