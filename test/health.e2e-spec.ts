import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { bringDatabaseUp, startTestApp, takeDatabaseDown, type TestApp } from './support/test-app';

describe('GET /health', () => {
  let t: TestApp;
  const logLines: Array<{ context?: string; msg?: string }> = [];
  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestApp({ LOG_LEVEL: 'warn' }, undefined, { logDestination });
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
    // states only, for anyone: the database's own error text (it may name the host, user, database) is in the log
    expect(down.body.checks.database).toEqual({ status: 'down', latencyMs: expect.any(Number) });
    expect(down.text).not.toContain(t.databaseName);
    const logged = logLines.filter((line) => line.context === 'Health').map((line) => line.msg);
    expect(logged).toContainEqual(expect.stringMatching(/^health check database is down: .*\S/));

    await bringDatabaseUp(t.databaseName);
    let back = await t.http().get('/health');
    for (let i = 0; i < 20 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      back = await t.http().get('/health');
    }
    expect(back.status).toBe(200);
  });
});
