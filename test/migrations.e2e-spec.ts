import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { runMigrationsExclusively } from '../src/database/run-migrations';
import { createTestDatabase, startTestApp } from './support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('migrations', () => {
  it('run once when several processes boot on a fresh database at the same moment', async () => {
    const database = await createTestDatabase();
    const shared = { databaseUrl: database.url, databaseName: database.name };
    const apps = await Promise.all([startTestApp({}, shared), startTestApp({}, shared), startTestApp({}, shared)]);
    try {
      const rows = await apps[0].db.query('SELECT name FROM migrations ORDER BY id');
      expect(rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
      for (const t of apps) expect((await t.http().get('/health')).status).toBe(200);
      expect((await apps[0].db.query("SELECT count(*)::int AS n FROM status_mappings WHERE direction = 'outbound' AND system = 'imshop'"))[0].n).toBe(14);
    } finally {
      for (const t of apps) await t.close();
      await database.drop();
    }
  }, 30_000);

  /**
   * A rolling deploy: the new version migrates at boot while the old one keeps taking webhooks on the same
   * tables. An old webhook transaction stays open across the migration (it holds its locks), and the old version
   * writes deliveries and attempts all the while: none of its writes may wait behind a migration (a plain
   * ALTER TABLE queues for the open transaction's lock, and every write queues behind it; a plain CREATE INDEX
   * blocks writes until it ends).
   */
  it('since the release before delivery leases, migrate while that release keeps writing: no write of it waits', async () => {
    const database = await createTestDatabase();
    const firstNew = MIGRATIONS.findIndex((m) => m.name === 'DeliveryLeases1795640000000');
    const old = new DataSource({ ...dataSourceOptions(database.url, 4), migrations: MIGRATIONS.slice(0, firstNew) });
    const next = new DataSource(dataSourceOptions(database.url, 4));
    const writer = new pg.Client({ connectionString: database.url });
    const openTransaction = new pg.Client({ connectionString: database.url });
    try {
      await old.initialize();
      await old.runMigrations({ transaction: 'each' });
      const [{ id: orderId }] = (await old.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ('ROLL-1', 'PROCESSING', 1) RETURNING id`)) as {
        id: string;
      }[];
      // The old version's writes: a delivery and an attempt whose answer is jsonb, as that version wrote it.
      const oldWrite = async (client: pg.Client, seq: number) => {
        const { rows } = await client.query(
          `INSERT INTO deliveries (order_id, target, change_seq, payload) VALUES ($1, 'imshop', $2, '{"id":"ROLL-1"}') RETURNING id`,
          [orderId, seq],
        );
        await client.query(
          `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome, response) VALUES ($1, 1, now(), 5, 200, 'sent', '{"success":true}')`,
          [rows[0].id],
        );
      };
      await writer.connect();
      await writer.query(`SET statement_timeout = '2s'`);
      await oldWrite(writer, 1);
      await openTransaction.connect();
      await openTransaction.query('BEGIN');
      await oldWrite(openTransaction, 2);

      await next.initialize();
      let migrated = false;
      const migrating = runMigrationsExclusively(next, { info: () => undefined }).then(() => (migrated = true));
      const slowest: number[] = [];
      for (let seq = 3; seq < 13; seq++) {
        const started = Date.now();
        await oldWrite(writer, seq); // fails after 2 s (statement_timeout) if it waits behind a migration's lock
        slowest.push(Date.now() - started);
        await sleep(100);
      }
      // The open transaction still holds its locks: the migrations wait for it, without holding anybody up.
      expect(migrated).toBe(false);
      expect(Math.max(...slowest)).toBeLessThan(1_000);
      await openTransaction.query('COMMIT');
      await migrating;

      const applied = (await next.query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
      expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((m) => m.name));
      const [index] = (await next.query(
        `SELECT i.indisvalid AS valid, i.indisunique AS "unique" FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'ux_deliveries_in_flight'`,
      )) as { valid: boolean; unique: boolean }[];
      expect(index).toEqual({ valid: true, unique: true });
      // Nothing rewritten: the old attempts keep their jsonb answers, which the new version reads.
      expect((await next.query(`SELECT count(*)::int AS n FROM delivery_attempts WHERE response IS NOT NULL AND response_text IS NULL`))[0].n).toBe(12);
      expect((await next.query(`SELECT count(*)::int AS n FROM deliveries`))[0].n).toBe(12);
    } finally {
      await openTransaction.end().catch(() => undefined);
      await writer.end().catch(() => undefined);
      if (old.isInitialized) await old.destroy();
      if (next.isInitialized) await next.destroy();
      await database.drop();
    }
  });
});
