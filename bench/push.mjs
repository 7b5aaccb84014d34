// Part of npm run bench: end-to-end latency from an accepted status change (POST /orders/status
// answered) to the push arriving at a local fake IMSHOP, and sustained pushes per second, for the
// queue on Redis and on PostgreSQL.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { createApp } = require('../dist/bootstrap.js');
const { loadConfig } = require('../dist/config/app-config.js');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function fakeImshop(onPush) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      onPush(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Sends `total` OMS status changes with `concurrency` in flight and waits for every push. */
export async function benchPush({ databaseUrl, redisUrl, total = 2000, concurrency = 20 }) {
  const sentAt = new Map();
  const latencies = [];
  let lastArrival = 0;
  let resolveAll;
  const allArrived = new Promise((r) => (resolveAll = r));
  const fake = await fakeImshop((body) => {
    const t0 = sentAt.get(body.id);
    if (t0 === undefined) return;
    sentAt.delete(body.id);
    latencies.push(performance.now() - t0);
    lastArrival = performance.now();
    if (latencies.length === total) resolveAll();
  });
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'error',
    ADMIN_API_KEY: 'bench-admin-key-0123456789',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'order-sync-bench-push-')),
    IMSHOP_API_KEY: 'bench-imshop-key',
    IMSHOP_STATUS_URL: `${fake.url}/statuses`,
    QUEUE_PREFIX: `bench${Date.now()}`,
    DELIVERY_CONCURRENCY: '20',
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}/orders/status`;
  let next = 0;
  const started = performance.now();
  async function client() {
    while (next < total) {
      const id = `BENCH-${next++}`;
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'bench-admin-key-0123456789' }, body: JSON.stringify({ id, code: 'processing' }) });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`POST /orders/status answered ${res.status}`);
      sentAt.set(id, t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  const accepted = performance.now();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length}/${total} pushes arrived`)), 120_000).unref());
  await Promise.race([allArrived, timeout]);
  await app.close();
  await fake.close();
  latencies.sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    acceptedPerSecond: Math.round(total / ((accepted - started) / 1000)),
    pushesPerSecond: Math.round(total / ((lastArrival - started) / 1000)),
    total,
  };
}
