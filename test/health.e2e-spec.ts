import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bringDatabaseUp, startTestApp, takeDatabaseDown, type TestApp } from './support/test-app';

describe('GET /health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await bringDatabaseUp(t.databaseName);
    await t.close();
  });

  it('answers 200 with the database and queue checks, without a key', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.database.status).toBe('up');
    expect(res.body.checks.queue).toEqual(expect.objectContaining({ status: 'up', backend: process.env.REDIS_URL ? 'redis' : 'postgres' }));
  });

  it('answers 503 while the database is down, and 200 again once it is back', async () => {
    await takeDatabaseDown(t.databaseName);
    const down = await t.http().get('/health');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.checks.database.status).toBe('down');
    expect(down.body.checks.database.error).toBeTruthy();

    await bringDatabaseUp(t.databaseName);
    let back = await t.http().get('/health');
    for (let i = 0; i < 20 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      back = await t.http().get('/health');
    }
    expect(back.status).toBe(200);
  });
});
