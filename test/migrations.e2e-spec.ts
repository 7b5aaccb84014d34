import { describe, expect, it } from '@jest/globals';
import { MIGRATIONS } from '../src/database/migrations';
import { createTestDatabase, startTestApp } from './support/test-app';

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
  });
});
