// npm run bench: latency and throughput of the webhook endpoints against a bare NestJS route measured
// in the same run (ratios, not absolute numbers, are what compare across these noisy machines).
// Uses DATABASE_URL when set, otherwise an embedded PostgreSQL; REDIS_URL selects the queue backend.
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { benchPush } from './push.mjs';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { Controller, HttpCode, Module, Post } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { createApp } = require('../dist/bootstrap.js');
const { loadConfig } = require('../dist/config/app-config.js');
const { startEmbeddedPostgres } = require('../dist/database/embedded-postgres.js');

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

// The baseline: the smallest NestJS app answering a JSON POST the way the Market route does.
class BareController {
  handle() {
    return { version: '0.1.0', name: 'bare', time: new Date().toISOString() };
  }
}
Controller('bare')(BareController);
const handle = Object.getOwnPropertyDescriptor(BareController.prototype, 'handle');
Post()(BareController.prototype, 'handle', handle);
HttpCode(200)(BareController.prototype, 'handle', handle);
class BareModule {}
Module({ controllers: [BareController] })(BareModule);

let embedded;
async function database() {
  let server = process.env.DATABASE_URL;
  if (!server) {
    embedded ??= await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'order-sync-bench-')), port: 54000 + Math.floor(Math.random() * 900), databaseName: 'postgres' });
    server = embedded.url;
  }
  const name = `order_sync_bench_${Date.now()}`;
  const adminUrl = new URL(server);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function run(title, url, setupRequest) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: DURATION,
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest }],
      },
      (error, result) => (error ? reject(error) : resolve({ title, result })),
    );
  });
}

function row({ title, result }, baseline) {
  const l = result.latency;
  const ratio = baseline ? (l.p99 / baseline.result.latency.p99).toFixed(1) + 'x' : '1.0x';
  const rps = result.requests.average;
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return `| ${title.padEnd(34)} | ${String(l.p50).padStart(5)} | ${String(l.p99).padStart(5)} | ${String(Math.round(rps)).padStart(7)} | ${ratio.padStart(13)} | ${(baseline ? (rps / baseline.result.requests.average).toFixed(2) : '1.00').padStart(10)} | ${String(non2xx).padStart(6)} |`;
}

const db = await database();
const config = loadConfig({ ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error', MARKET_ALLOWED_CIDRS: '*', ADMIN_API_KEY: 'bench-admin-key-0123456789', DATA_DIR: mkdtempSync(join(tmpdir(), 'order-sync-bench-data-')) });
const app = await createApp(config);
await app.listen(0, '127.0.0.1');
const bare = await NestFactory.create(BareModule, { logger: false });
await bare.listen(0, '127.0.0.1');
const appUrl = await app.getUrl();
const bareUrl = await bare.getUrl();

let orderId = 1;
let results;
try {
  const baseline = await run('bare NestJS POST (baseline)', `${bareUrl}/bare`, (req) => ({ ...req, body: '{"notificationType":"PING"}' }));
  const ping = await run('Market PING', `${appUrl}/market/notification`, (req) => ({ ...req, body: JSON.stringify({ notificationType: 'PING', time: new Date().toISOString() }) }));
  const status = await run('Market ORDER_STATUS_UPDATED (new)', `${appUrl}/market/notification`, (req) => ({
    ...req,
    body: JSON.stringify({ notificationType: 'ORDER_STATUS_UPDATED', campaignId: 1, orderId: orderId++, status: 'PROCESSING', substatus: 'STARTED', updatedAt: new Date().toISOString() }),
  }));
  const repeat = await run('Market ORDER_STATUS_UPDATED (repeat)', `${appUrl}/market/notification`, (req) => ({
    ...req,
    body: JSON.stringify({ notificationType: 'ORDER_STATUS_UPDATED', campaignId: 1, orderId: 1, status: 'PROCESSING', substatus: 'STARTED', updatedAt: '2026-01-01T00:00:00Z' }),
  }));
  results = [baseline, ping, status, repeat];
  const stored = (await app.get(require('typeorm').DataSource).query('SELECT count(*)::int AS n FROM market_events'))[0].n;
  console.log(`\norder-sync bench — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  console.log(`database: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}, queue: ${process.env.REDIS_URL ? 'Redis' : 'PostgreSQL'}; ${CONNECTIONS} connections, ${DURATION} s per run; load generator in the same process\n`);
  console.log('| endpoint                           | p50ms | p99ms |   req/s | p99 vs bare   | rps / bare | errors |');
  console.log('| ---------------------------------- | ----- | ----- | ------- | ------------- | ---------- | ------ |');
  for (const r of results) console.log(row(r, r === baseline ? undefined : baseline));
  console.log(`\nnotifications stored: ${stored} (ORDER_STATUS_UPDATED new: ${orderId - 1} sent)`);
  console.log('Market deadlines: PING 1 s, others 10 s.');
} finally {
  await app.close();
  await bare.close();
  await db.drop();
}

// IMSHOP push: OMS request → outbox → queue → worker → fake IMSHOP, on each queue backend.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await new Promise((resolve) => {
  const url = new URL(redisUrl);
  const socket = require('node:net').connect(Number(url.port || 6379), url.hostname);
  socket.once('connect', () => (socket.end(), resolve(true)));
  socket.once('error', () => resolve(false));
});
console.log(`\nIMSHOP push, end to end (from the OMS request to the push arriving at a local fake IMSHOP), ${Number(process.env.BENCH_PUSHES ?? 2000)} changes, 20 clients:\n`);
console.log('| queue backend | p50ms | p99ms | accepted/s | pushes/s |');
console.log('| ------------- | ----- | ----- | ---------- | -------- |');
for (const backend of redisUp ? ['redis', 'postgres'] : ['postgres']) {
  const pushDb = await database();
  try {
    const r = await benchPush({ databaseUrl: pushDb.url, redisUrl: backend === 'redis' ? redisUrl : undefined, total: Number(process.env.BENCH_PUSHES ?? 2000) });
    console.log(`| ${backend.padEnd(13)} | ${String(r.p50).padStart(5)} | ${String(r.p99).padStart(5)} | ${String(r.acceptedPerSecond).padStart(10)} | ${String(r.pushesPerSecond).padStart(8)} |`);
  } finally {
    await pushDb.drop();
  }
}
if (!redisUp) console.log(`(Redis at ${redisUrl} is not reachable: the Redis row was skipped)`);
await embedded?.stop();
