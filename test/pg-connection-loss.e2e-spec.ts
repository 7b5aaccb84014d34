import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { GuardedPgClient } from '../src/database/guarded-pg-client';
import { guardedPostgresBackend } from '../src/queue/queue-connection';
import { createTestDatabase } from './support/test-app';

/**
 * The PostgreSQL queue's LISTEN connection, ended by the server (a restart, a failover, pg_terminate_backend)
 * before BullMQ has attached its listener: seen as "Unhandled error … terminating connection due to
 * administrator command" taking a test file down while /health took its database away.
 */
describe('pg clients that a server can end at any moment (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const terminate = async (applicationName: string) => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const rows = (await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rows;
      return rows.length;
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('a client ended by the server while nobody listens does not throw; the first listener to come hears the error', async () => {
    const client = new GuardedPgClient({ connectionString: database.url, application_name: 'listen-guard-bare' });
    await client.connect();
    const ended = new Promise((resolve) => client.once('end', resolve));
    // A plain pg.Client here, with no 'error' listener, throws from the socket's read: Jest fails this file.
    expect(await terminate('listen-guard-bare')).toBe(1);
    await ended;
    const heard = await new Promise<Error>((resolve) => client.on('error', resolve));
    expect(heard.message).toMatch(/terminating connection due to administrator command/);
    await expect(client.query('SELECT 1')).rejects.toThrow();
  });

  it('an error kept for a listener that was removed before it could be called goes to the next listener instead', async () => {
    // pg-pool attaches its idle listener after connect and removes it at once when it hands the client out: handing
    // the error to that listener would end a client somebody now uses, and the user would never hear why.
    const client = new GuardedPgClient({ connectionString: database.url, application_name: 'listen-guard-removed' });
    await client.connect();
    const ended = new Promise((resolve) => client.once('end', resolve));
    expect(await terminate('listen-guard-removed')).toBe(1);
    await ended;
    let heardByRemoved = 0;
    const removed = () => heardByRemoved++;
    client.on('error', removed);
    client.removeListener('error', removed);
    const heard = await new Promise<Error>((resolve) => client.on('error', resolve));
    expect(heard.message).toMatch(/terminating connection due to administrator command/);
    expect(heardByRemoved).toBe(0);
  });

  it('when the server ends the LISTEN connection before BullMQ listens to it, BullMQ hears it and connects again', async () => {
    let raced = 0;
    let lostPid: number | undefined;
    const backendPid = (client: unknown) => (client as { processID: number }).processID;
    /** Connects, then has the server end the connection before connect() returns: before BullMQ can listen. */
    class RacedClient extends GuardedPgClient {
      async connectAndLose(): Promise<void> {
        await (GuardedPgClient.prototype.connect as () => Promise<unknown>).call(this);
        if (raced++ > 0) return;
        lostPid = backendPid(this);
        const ended = new Promise((resolve) => this.once('end', resolve));
        const pid = backendPid(this);
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await admin.end();
        await ended;
      }
    }
    RacedClient.prototype.connect = RacedClient.prototype.connectAndLose as never;
    const backend = guardedPostgresBackend('listen-race', { connection: { connectionString: database.url, migrate: true } } as never, {
      withBlockingConnection: true,
    });
    (backend.connection as unknown as { pgModule: object }).pgModule = Object.assign(Object.create(pg) as object, { Client: RacedClient });
    const errors: string[] = [];
    backend.on('error', (error: Error) => errors.push(error.message));
    try {
      await backend.waitUntilReady(); // it names the LISTEN client, connecting it: the lost one
      await backend.connection.getListenClient();
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lostPid).toBeDefined();
      expect(errors).toContainEqual(expect.stringMatching(/terminating connection/));
      // A client that only swallowed the error would stay memoized, dead, and every LISTEN on it would fail.
      const current = await backend.connection.getListenClient();
      expect(backendPid(current)).not.toBe(lostPid);
      await expect(current.query('SELECT 1')).resolves.toBeDefined();
      expect(raced).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it("a worker's backend listens through GuardedPgClient, and its LISTEN connection ended by the server is rebuilt", async () => {
    const backend = guardedPostgresBackend('listen-guard', { connection: { connectionString: database.url, migrate: true } } as never, {
      withBlockingConnection: true,
    });
    const errors: string[] = [];
    backend.on('error', (error: Error) => errors.push(error.message));
    try {
      await backend.waitUntilReady();
      const first = await backend.connection.getListenClient();
      expect(first).toBeInstanceOf(GuardedPgClient);

      expect(await terminate('listen-guard')).toBe(1);
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors).toContainEqual(expect.stringMatching(/terminating connection/));

      const second = await backend.connection.getListenClient();
      expect(second).toBeInstanceOf(GuardedPgClient);
      expect(second).not.toBe(first);
      await expect(second.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      await backend.close();
    }
  });

  it("the app's TypeORM connections are GuardedPgClients too (a runner attaches its listener a microtask late)", async () => {
    const dataSource = new DataSource(dataSourceOptions(database.url, 2));
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      expect((runner as unknown as { databaseConnection: unknown }).databaseConnection).toBeInstanceOf(GuardedPgClient);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
  });
});
