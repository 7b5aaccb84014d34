import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres';

declare global {
  var __embeddedTestDatabase: { server: EmbeddedDatabase; dataDir: string } | undefined;
}

/**
 * Tests run against a real PostgreSQL: DATABASE_URL when given (CI points it at the machine's server),
 * otherwise one embedded server for the whole run. Each test app then creates its own database on it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  // Each project (e2e, service) runs this global setup: the second finds the server the first started.
  if (globalThis.__embeddedTestDatabase) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'order-sync-test-pg-'));
  const port = Number(process.env.TEST_EMBEDDED_PG_PORT ?? (await freePort()));
  const server = await startEmbeddedPostgres({ dataDir, port, databaseName: 'postgres' });
  globalThis.__embeddedTestDatabase = { server, dataDir };
  process.env.TEST_DATABASE_SERVER_URL = server.url;
}

/** A port nobody listens on right now, so parallel runs on one machine do not collide. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
