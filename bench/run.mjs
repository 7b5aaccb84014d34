// npm run bench: webhook intake against a bare NestJS route, end-to-end change → IMSHOP latency at a fixed
// rate, deliveries per second on each queue backend, and peak RSS; printed as one markdown table.
//
// The app runs as a child process (`node dist/main.js`, as an operator runs it) and so does the bare
// baseline (bench/bare-server.mjs): the load generator (autocannon) and the fake IMSHOP live in this
// process, so neither server shares its event loop with the load. Ratios against the baseline measured in
// the same run are what compare across noisy machines.
//
// Uses DATABASE_URL's server when set (a fresh database per app, dropped at the end), otherwise one
// embedded PostgreSQL for the run. The Redis rows use REDIS_URL (default redis://127.0.0.1:6379) when it
// answers, under a queue prefix of their own that is deleted at the end.
//
// Settings: BENCH_SECONDS (10 s per intake row), BENCH_CONNECTIONS (50), BENCH_RATE (200 changes/s),
// BENCH_RATE_SECONDS (10), BENCH_PUSHES (2000), BENCH_SPLIT (1: also run the api + worker layout; 0: not),
// BENCH_WARMUP (3 s of the same traffic before each measured row, not counted: a fresh process spends a fifth
// of its CPU in the JIT compiler at first, and a service is measured as it runs, warm), BENCH_ROWS (intake,e2e,console:
// which rows to run), BENCH_CONSOLE_EVENTS (200: the events of the order whose journey page the console row
// serves), BENCH_CONSOLE_CONNECTIONS (4: people reading the console at once), BENCH_LOG_LEVEL (error: the apps' LOG_LEVEL; info writes an access-log line per request,
// as the default configuration does), BENCH_PROFILE_DIR (unset; a folder: each app process writes a V8 CPU
// profile there at its exit, which `node bench/cpu-share.mjs <folder>` breaks down by module).
//
// Progress goes to stderr, the report to stdout. Exit code 1 when the harness itself failed (a step threw,
// a push never arrived, the stored counts do not match the answers); missed targets are reported, not fatal.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 2000);
const SPLIT = (process.env.BENCH_SPLIT ?? '1') !== '0';
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
/** Which rows to run: intake (bare route, Market, tickets), e2e (change → IMSHOP on each queue backend), console (an order's journey page). */
const ROWS = new Set((process.env.BENCH_ROWS ?? 'intake,e2e,console').split(',').map((row) => row.trim()));
const CONSOLE_EVENTS = Number(process.env.BENCH_CONSOLE_EVENTS ?? 200);
const CONSOLE_CONNECTIONS = Number(process.env.BENCH_CONSOLE_CONNECTIONS ?? 4);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'error';
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
/** Requests in flight during the deliveries/s burst. */
const BURST_IN_FLIGHT = 50;
/** Open-loop cap: a change due while this many are unanswered is skipped (and counted), not queued. */
const MAX_IN_FLIGHT = 500;
const ARRIVAL_TIMEOUT_MS = 60_000;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const IMSHOP_KEY = 'bench-imshop-key';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** Unique per run: database names and queue prefixes carry it. */
const RUN_ID = `bench${process.pid}x${Date.now().toString(36)}`;

const log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Harness problems found along the way (not missed targets): printed under the table, exit code 1. */
const problems = [];

// ---------------------------------------------------------------- dist/ (another engineer may be rebuilding it)

/** Waits up to 3 minutes for dist/main.js: `nest build` empties dist/ for a moment. */
async function waitForDist() {
  const deadline = Date.now() + 180_000;
  while (!existsSync(join(ROOT, 'dist/main.js')) || !existsSync(join(ROOT, 'dist/config/app-config.js'))) {
    if (Date.now() > deadline) throw new Error('dist/main.js is missing: run npm run build first');
    log('dist/main.js is missing (a build in progress?): waiting');
    await sleep(5_000);
  }
}

// ---------------------------------------------------------------- child processes

const children = new Set();
const cleanups = [];

function canBind(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port outside the kernel's ephemeral range, so no outgoing connection takes it before the child binds it. */
const usedPorts = new Set();
async function freePort() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!usedPorts.has(port) && (await canBind(port))) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error('no free port in 20000-31999');
}

let appVariables;
/** This process's environment without anything the app reads (as test/support/app-process.ts childEnv). */
function cleanEnv() {
  appVariables ??= [...require(join(ROOT, 'dist/config/app-config.js')).CONFIG_VARIABLES, 'NODE_ENV', 'NODE_OPTIONS'];
  const env = { ...process.env };
  for (const name of appVariables) delete env[name];
  return env;
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => (res.resume(), resolve(res.statusCode)));
    req.on('error', () => resolve(0));
    req.setTimeout(2_000, () => req.destroy());
  });
}

/**
 * Starts `node <args>` with a clean environment plus `env` (and PORT, HOST) and resolves once GET
 * `readyPath` answers 200. stop(): SIGTERM, then SIGKILL after 10 s. Only ever signals its own child.
 */
async function startProcess(name, args, env, readyPath) {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stopping = false;
  const handle = {
    name,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    /** Peak resident set size so far, in MiB (VmHWM of /proc/<pid>/status; the process must still run). */
    peakRssMiB() {
      try {
        return Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024);
      } catch {
        return NaN;
      }
    },
    async stop() {
      if (stopping) return exited;
      stopping = true;
      if (handle.alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => handle.alive() && child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(handle);
      return exited;
    },
  };
  children.add(handle);
  child.once('exit', (code, signal) => {
    if (!stopping) log(`${name} (pid ${child.pid}) exited on its own (code ${code}, signal ${signal}): ${stderr.trim().slice(-1500)}`);
  });
  const deadline = Date.now() + 60_000;
  while ((await get(`${handle.url}${readyPath}`)) !== 200) {
    if (!handle.alive() || Date.now() > deadline) {
      await handle.stop();
      throw new Error(`${name} did not become ready on ${handle.url}${readyPath}: ${stderr.trim() || '(no stderr)'}`);
    }
    await sleep(200);
  }
  return handle;
}

// ---------------------------------------------------------------- databases

let embedded;
let databaseKind;
/** A fresh database on DATABASE_URL's server (or the embedded one), dropped at the end. Returns its URL. */
async function database() {
  let server = process.env.DATABASE_URL;
  if (!server) {
    if (!embedded) {
      const { startEmbeddedPostgres } = require(join(ROOT, 'dist/database/embedded-postgres.js'));
      const dataDir = mkdtempSync(join(tmpdir(), 'order-sync-bench-pg-'));
      log('starting an embedded PostgreSQL');
      // callerHandlesSignals: Ctrl-C runs this script's cleanup (children first), not the library's exit hook.
      embedded = await startEmbeddedPostgres({
        dataDir,
        port: await freePort(),
        databaseName: 'postgres',
        callerHandlesSignals: true,
        log: () => {},
        warn: log,
      });
      embedded.dataDir = dataDir;
    }
    server = embedded.url;
  }
  const name = `order_sync_${RUN_ID}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new URL(server);
  admin.pathname = '/postgres';
  const version = await query(admin.toString(), 'SHOW server_version');
  databaseKind ??= `${process.env.DATABASE_URL ? `PostgreSQL ${version[0].server_version} at ${admin.host} (DATABASE_URL)` : `embedded PostgreSQL ${version[0].server_version}`}, a fresh database per app`;
  await query(admin.toString(), `CREATE DATABASE ${name}`);
  cleanups.push(() => query(admin.toString(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query(url, sql, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- Redis

/** Redis version when REDIS_URL answers PING within 2 s, else undefined. */
async function redisVersion() {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown version';
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Deletes the BullMQ keys under one of this run's queue prefixes (never anything else). */
async function dropRedisPrefix(prefix) {
  if (!prefix.startsWith(RUN_ID)) throw new Error(`refusing to delete Redis keys outside this run: ${prefix}`);
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------- the app

/** `node dist/main.js` on a fresh database (or `databaseUrl`), healthy; retried once if it dies at start (dist mid-build). */
async function startApp(name, extraEnv, databaseUrl) {
  const dataDir = mkdtempSync(join(tmpdir(), 'order-sync-bench-data-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    DATABASE_URL: databaseUrl ?? (await database()),
    LOG_LEVEL,
    MARKET_ALLOWED_CIDRS: '*',
    ADMIN_API_KEY: ADMIN_KEY,
    IMSHOP_API_KEY: IMSHOP_KEY,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `${RUN_ID}-intake`,
    ...extraEnv,
  };
  // one folder per role, e.g. app-intake-, so each profile says which app it is
  const args = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name.replace(/\W+/g, '-'))}`, 'dist/main.js'] : ['dist/main.js'];
  try {
    return { ...(await startProcess(name, args, env, '/health')), databaseUrl: env.DATABASE_URL };
  } catch (error) {
    log(`${error.message.slice(0, 2000)}\nretrying in 60 s (dist/ may be mid-build)`);
    await sleep(60_000);
    await waitForDist();
    return { ...(await startProcess(name, args, env, '/health')), databaseUrl: env.DATABASE_URL };
  }
}

/** autocannon, CONNECTIONS connections for SECONDS, a fresh body from `body()` for every request. */
function load(url, headers, body, duration = SECONDS) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        duration,
        headers: { 'content-type': 'application/json', ...headers },
        requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function percentile(sorted, p) {
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]) : NaN;
}

// ---------------------------------------------------------------- end to end: OMS change → fake IMSHOP

/**
 * The fake IMSHOP status API: answers 200 {"success":true} and hands each push body to `onPush`.
 * Runs in this process, so arrival times share a clock with the send times.
 */
async function fakeImshop(onPush) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      try {
        onPush(JSON.parse(Buffer.concat(chunks).toString('utf8')), at);
      } catch (error) {
        log(`fake IMSHOP: unreadable push (${error.message})`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

// One socket per in-flight request: a request queued inside the agent would not really have been sent.
const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });

/** POST /orders/status as an OMS sends it (`code`: one of its codes); resolves with the HTTP status (0: no answer within 30 s). */
function postOms(base, id, code = 'processing') {
  return new Promise((resolve) => {
    const body = JSON.stringify({ id, code });
    const req = http.request(
      `${base}/orders/status`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': ADMIN_KEY } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/**
 * One measurement phase: which order ids are waiting for their push, since when, and what arrived.
 * Pushes are matched by the order number IMSHOP receives as `id`.
 */
function newPhase() {
  return { sentAt: new Map(), latencies: [], sent: 0, accepted: 0, refused: 0, arrived: 0, firstSend: NaN, lastArrival: NaN, wake: undefined };
}

/** Waits until every accepted change of `phase` has arrived; false (and a problem noted) after 60 s. */
async function allArrived(phase, what) {
  const deadline = performance.now() + ARRIVAL_TIMEOUT_MS;
  while (phase.sentAt.size > 0 && performance.now() < deadline) {
    await Promise.race([new Promise((resolve) => (phase.wake = resolve)), sleep(Math.min(1_000, deadline - performance.now()))]);
  }
  if (phase.sentAt.size === 0) return true;
  problems.push(
    `${what}: ${phase.sentAt.size} of ${phase.accepted} accepted changes had not reached the fake IMSHOP ${ARRIVAL_TIMEOUT_MS / 1000} s after the last was sent`,
  );
  log(problems.at(-1));
  return false;
}

/**
 * End to end on one queue backend and layout: (a) OMS status changes offered at RATE/s for RATE_SECONDS,
 * open loop by the wall clock, latency from sending each until its push arrives at the fake IMSHOP;
 * (b) a burst of PUSHES changes with BURST_IN_FLIGHT in flight, deliveries/s = arrived / (last arrival −
 * first send). Every change goes to a new order (BENCH-<n>).
 */
async function endToEnd(backend, split) {
  const label = `${backend === 'redis' ? 'Redis' : 'PostgreSQL'} queue, ${split ? 'api + worker' : 'one process'}`;
  let phase;
  let warmAcceptedTotal = 0;
  let extra = 0; // pushes for no change we were waiting on (a repeat, or one that arrived after its timeout)
  const imshop = await fakeImshop((body, at) => {
    const t0 = phase?.sentAt.get(body.id);
    if (t0 === undefined) return void extra++;
    phase.sentAt.delete(body.id);
    phase.arrived++;
    phase.latencies.push(at - t0);
    phase.lastArrival = at;
    if (phase.sentAt.size === 0) phase.wake?.();
  });
  const prefix = `${RUN_ID}-${backend}-${split ? 'split' : 'one'}`;
  if (backend === 'redis') cleanups.push(() => dropRedisPrefix(prefix));
  const env = {
    IMSHOP_STATUS_URL: `${imshop.url}/statuses`,
    DELIVERY_CONCURRENCY: '20',
    QUEUE_PREFIX: prefix,
    ...(backend === 'redis' ? { REDIS_URL } : {}),
  };
  // split: the production layout of docs/running.md, an api process taking the changes and a worker delivering them.
  const databaseUrl = await database();
  const processes = [];
  const result = { label, backend, split };
  try {
    log(`end to end, ${label}: starting the app`);
    processes.push(await startApp(split ? 'app (api)' : 'app', split ? { ...env, APP_ROLE: 'api' } : env, databaseUrl));
    if (split) processes.push(await startApp('app (worker)', { ...env, APP_ROLE: 'worker' }, databaseUrl));
    const api = processes[0];
    let n = 0;

    // Warm-up: the same traffic for WARMUP s, waited for and not counted (its deliveries are, below).
    if (WARMUP > 0) {
      log(`end to end, ${label}: warming up, ${RATE} changes/s for ${WARMUP} s`);
      phase = newPhase();
      const warm = phase;
      const sends = [];
      const warmStart = performance.now();
      for (let i = 0; i < Math.round(RATE * WARMUP); i++) {
        const wait = warmStart + (i * 1000) / RATE - performance.now();
        if (wait >= 1) await sleep(wait);
        const id = `WARM-${n++}`;
        warm.sentAt.set(id, performance.now());
        sends.push(postOms(api.url, id).then((status) => (status >= 200 && status < 300 ? warmAcceptedTotal++ : warm.sentAt.delete(id))));
      }
      await Promise.all(sends);
      await allArrived(warm, `warm-up, ${label}`);
    }

    // (a) a fixed offered rate, scheduled by the clock: a late answer never delays the next send.
    log(`end to end, ${label}: ${RATE} changes/s for ${RATE_SECONDS} s`);
    phase = newPhase();
    const rate = phase;
    const total = Math.round(RATE * RATE_SECONDS);
    const answers = [];
    let inFlight = 0;
    let skipped = 0;
    const started = performance.now();
    let lastSend = started;
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / RATE - performance.now();
      if (wait >= 1) await sleep(wait);
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      const id = `BENCH-${n++}`;
      lastSend = performance.now();
      rate.sentAt.set(id, lastSend);
      rate.sent++;
      inFlight++;
      answers.push(
        postOms(api.url, id).then((status) => {
          inFlight--;
          if (status >= 200 && status < 300) rate.accepted++;
          else if (rate.sentAt.delete(id)) rate.refused++; // no push will come for it
        }),
      );
    }
    const sentPerSecond = Math.round(rate.sent / Math.max(0.001, (lastSend - started) / 1000));
    await Promise.all(answers);
    await allArrived(rate, `end to end at ${RATE}/s, ${label}`);
    rate.latencies.sort((a, b) => a - b);
    result.rate = { ...rate, skipped, sentPerSecond, missing: rate.sentAt.size, p50: percentile(rate.latencies, 50), p99: percentile(rate.latencies, 99) };

    // (b) deliveries/s: as fast as the app takes them, BURST_IN_FLIGHT at a time.
    log(`end to end, ${label}: a burst of ${PUSHES} changes`);
    phase = newPhase();
    const burst = phase;
    burst.firstSend = performance.now();
    let left = PUSHES;
    const sender = async () => {
      while (left > 0) {
        left--;
        const id = `BENCH-${n++}`;
        burst.sentAt.set(id, performance.now());
        burst.sent++;
        const status = await postOms(api.url, id);
        if (status >= 200 && status < 300) burst.accepted++;
        else if (burst.sentAt.delete(id)) burst.refused++;
      }
    };
    await Promise.all(Array.from({ length: BURST_IN_FLIGHT }, sender));
    await allArrived(burst, `burst of ${PUSHES}, ${label}`);
    result.burst = { ...burst, missing: burst.sentAt.size, deliveriesPerSecond: Math.round(burst.arrived / ((burst.lastArrival - burst.firstSend) / 1000)) };
    for (const p of processes) if (!p.alive()) problems.push(`${p.name}, ${label}: exited during the run`);
  } finally {
    // Peak RSS just before each process is stopped.
    result.rss = processes.map((p) => ({ name: p.name, mib: p.peakRssMiB() }));
    for (const p of processes) await p.stop();
    await imshop.close();
  }
  result.extra = extra;
  // What the app recorded: one delivery per accepted change, each sent.
  const [deliveries] = await query(databaseUrl, `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'sent')::int AS sent FROM deliveries`);
  result.deliveries = deliveries;
  const accepted = warmAcceptedTotal + result.rate.accepted + result.burst.accepted;
  if (deliveries.total !== accepted || deliveries.sent !== accepted) {
    problems.push(`${label}: ${accepted} changes answered 2xx, but the database holds ${deliveries.total} deliveries (${deliveries.sent} sent)`);
  }
  log(`end to end, ${label}: done`);
  return result;
}

// ---------------------------------------------------------------- the console: an order's journey page

/** autocannon GETs of one URL with `headers`, `connections` at once, for `duration` s. */
function loadGet(url, headers, duration, connections) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'GET', connections, duration, headers }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * The console's journey page of one order with CONSOLE_EVENTS events: OMS status reports, one at a time, each a
 * history row and a status push to a fake IMSHOP (so the picture has as many deliveries, each with its attempt).
 * Then signed in as a person is, GET /console/orders/<id> by CONSOLE_CONNECTIONS clients for SECONDS.
 */
async function consoleJourney() {
  const imshop = await fakeImshop(() => {});
  const app = await startApp('app (console)', { IMSHOP_STATUS_URL: `${imshop.url}/statuses`, QUEUE_PREFIX: `${RUN_ID}-console` });
  try {
    log(`console: an order with ${CONSOLE_EVENTS} events`);
    const codes = ['processing', 'packed', 'ready_to_dispatch', 'dispatched'];
    for (let i = 0; i < CONSOLE_EVENTS; i++) {
      const status = await postOms(app.url, 'BENCH-JOURNEY', codes[i % codes.length]);
      if (status !== 200) throw new Error(`OMS status ${i} answered ${status}`);
    }
    const deadline = Date.now() + 60_000;
    while ((await query(app.databaseUrl, `SELECT count(*)::int AS n FROM deliveries WHERE state IN ('pending', 'retrying', 'in_flight')`))[0].n > 0) {
      if (Date.now() > deadline) throw new Error("the journey order's deliveries were still waiting after 60 s");
      await sleep(200);
    }
    const [order] = await query(
      app.databaseUrl,
      `SELECT o.id, (SELECT count(*)::int FROM order_history h WHERE h.order_id = o.id) AS events, (SELECT count(*)::int FROM deliveries d WHERE d.order_id = o.id) AS deliveries FROM orders o WHERE o.oms_order_number = 'BENCH-JOURNEY'`,
    );
    const signIn = await fetch(`${app.url}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
      body: `key=${encodeURIComponent(ADMIN_KEY)}&name=bench`,
      redirect: 'manual',
    });
    const cookie = signIn.headers
      .getSetCookie()
      .find((c) => c.startsWith('order_sync_console='))
      ?.split(';')[0];
    if (!cookie) throw new Error(`console sign-in answered ${signIn.status} without a session cookie`);
    const url = `${app.url}/console/orders/${order.id}`;
    const page = await fetch(url, { headers: { cookie } });
    const html = await page.text();
    const arrows = (html.match(/class="arrow /g) ?? []).length;
    if (page.status !== 200 || arrows < order.events + order.deliveries)
      throw new Error(`the journey page answered ${page.status} with ${arrows} arrows for ${order.events} events and ${order.deliveries} deliveries`);
    // As a browser asks for it: with its session cookie, taking a gzipped answer.
    const headers = { cookie, 'accept-encoding': 'gzip, deflate, br' };
    if (WARMUP > 0) await loadGet(url, headers, WARMUP, CONSOLE_CONNECTIONS);
    log(`console: GET the journey page, ${CONSOLE_CONNECTIONS} connections, ${SECONDS} s`);
    const cpuBefore = cpuSecondsOf(app.pid);
    const result = await loadGet(url, headers, SECONDS, CONSOLE_CONNECTIONS);
    // The app's own CPU per page (user + system, from /proc): what a page costs, whatever else the machine runs.
    const cpuMsPerPage = ((cpuSecondsOf(app.pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
    if (!app.alive()) problems.push('the console app exited during its row');
    return { ...result, events: order.events, deliveries: order.deliveries, arrows, kib: Math.round(Buffer.byteLength(html) / 1024), cpuMsPerPage };
  } finally {
    await app.stop();
    await imshop.close();
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (NaN where there is no /proc). */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime and stime, in the kernel's 100 Hz ticks
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- cleanup, also on Ctrl-C

let cleanedUp;
function cleanup() {
  cleanedUp ??= (async () => {
    await Promise.all([...children].map((child) => child.stop()));
    for (const step of cleanups.reverse())
      await Promise.resolve()
        .then(step)
        .catch((error) => log(`cleanup: ${error.message}`));
    agent.destroy();
    if (embedded) {
      await embedded.stop().catch((error) => log(`stopping the embedded PostgreSQL: ${error.message}`));
      rmSync(embedded.dataDir, { recursive: true, force: true });
    }
  })();
  return cleanedUp;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping the children and dropping the databases`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- the run

const report = {};
let failed;
try {
  await waitForDist();
  const redis = await redisVersion();
  report.redis = redis;

  if (ROWS.has('intake')) {
    // ---- intake at CONNECTIONS connections
    log(`bare NestJS POST, ${SECONDS} s`);
    const bare = await startProcess('bare NestJS', ['bench/bare-server.mjs'], {}, '/ready');
    if (WARMUP > 0) await load(`${bare.url}/bare`, {}, () => '{"notificationType":"PING"}', WARMUP);
    report.baseline = await load(`${bare.url}/bare`, {}, () => '{"notificationType":"PING"}');
    await bare.stop();

    const app = await startApp('app (intake)', {});
    let orderId = 1;
    let ticket = 1;
    // The repeats use an order of their own, so their rows can be told from the new orders' in the database.
    const REPEAT_ORDER = 999_999_999;
    // Warm-up traffic goes to campaign 2 and tickets warm-<n>, so the rows counted below are the measured ones.
    const marketBody = (campaignId) => () =>
      JSON.stringify({
        notificationType: 'ORDER_STATUS_UPDATED',
        campaignId,
        orderId: orderId++,
        status: 'PROCESSING',
        substatus: 'STARTED',
        updatedAt: new Date().toISOString(),
      });
    const ticketBody = (prefix) => () => {
      const n = ticket++;
      return JSON.stringify({
        ticketId: `${prefix}-${n}`,
        orderId: `${prefix.toUpperCase()}-T-${n}`,
        storeId: '1456',
        staffId: '12393',
        status: 'shipped',
        comment: null,
        metadata: { timestamp: Math.floor(Date.now() / 1000) },
      });
    };
    if (WARMUP > 0) {
      log(`warming the app up: ${WARMUP} s of Market notifications, ${WARMUP} s of ticket webhooks`);
      await load(`${app.url}/market/notification`, {}, marketBody(2), WARMUP);
      await load(`${app.url}/imshop/tickets/status`, { authorization: `Bearer ${IMSHOP_KEY}` }, ticketBody('warm'), WARMUP);
    }
    log(`Market ORDER_STATUS_UPDATED, new orders, ${SECONDS} s`);
    report.marketNew = await load(`${app.url}/market/notification`, {}, marketBody(1));
    log(`Market ORDER_STATUS_UPDATED, exact repeats, ${SECONDS} s`);
    const repeatBody = JSON.stringify({
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 1,
      orderId: REPEAT_ORDER,
      status: 'PROCESSING',
      substatus: 'STARTED',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    report.marketRepeat = await load(`${app.url}/market/notification`, {}, () => repeatBody);
    // A ticket we did not create whose status only one ticket type has (shipped → ship) is applied to the
    // order through the mapping table: a new order BENCH-T-<n> in SHIPPED (src/imshop-tickets/tickets.service.ts).
    log(`IMSHOP ticket status webhook, new tickets, ${SECONDS} s`);
    report.tickets = await load(`${app.url}/imshop/tickets/status`, { authorization: `Bearer ${IMSHOP_KEY}` }, ticketBody('bench'));
    if (!app.alive()) problems.push('the intake app exited during the intake rows');
    report.intakeRss = app.peakRssMiB();
    await app.stop(); // also lets requests cut off at the end of a row finish before counting

    // ---- what the intake rows stored, counted in the database
    const [market] = await query(
      app.databaseUrl,
      `SELECT count(*) FILTER (WHERE order_id <> $1)::int AS new_rows,
              count(*) FILTER (WHERE order_id <> $1 AND outcome = 'applied')::int AS new_applied,
              count(*) FILTER (WHERE order_id = $1)::int AS repeat_rows,
              coalesce(sum(duplicate_count) FILTER (WHERE order_id = $1), 0)::int AS repeat_duplicates
         FROM market_events WHERE notification_type = 'ORDER_STATUS_UPDATED' AND campaign_id = 1`,
      [REPEAT_ORDER],
    );
    const [tickets] = await query(
      app.databaseUrl,
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE e.outcome = 'applied')::int AS applied,
              (SELECT count(*)::int FROM orders WHERE oms_order_number LIKE 'BENCH-T-%' AND status = 'SHIPPED') AS shipped_orders
         FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE t.imshop_ticket_id LIKE 'bench-%'`,
    );
    report.stored = { market, tickets };
    // Every request answered 2xx is stored; a request cut off at the end of its row (sent, no answer counted)
    // may be stored too. So: answered 2xx ≤ stored ≤ sent.
    const within = (what, stored, r, offset = 0) => {
      if (stored < r['2xx'] - offset || stored > r.requests.sent - offset) {
        problems.push(`${what}: ${stored} stored, but ${r['2xx']} were answered 2xx and ${r.requests.sent} sent`);
      }
    };
    within('Market new orders, market_events rows', market.new_rows, report.marketNew);
    within('Market new orders, applied', market.new_applied, report.marketNew);
    if (market.repeat_rows !== 1) problems.push(`Market repeats: ${market.repeat_rows} market_events rows for the repeated body, expected 1`);
    within('Market repeats, duplicate_count', market.repeat_duplicates, report.marketRepeat, 1);
    within('IMSHOP tickets, imshop_ticket_events rows', tickets.rows, report.tickets);
    if (tickets.applied !== tickets.rows || tickets.shipped_orders !== tickets.rows) {
      problems.push(`IMSHOP tickets: ${tickets.rows} events, ${tickets.applied} applied, ${tickets.shipped_orders} orders moved to SHIPPED`);
    }
  }

  // ---- end to end, per queue backend (and layout)
  report.e2e = [];
  for (const backend of !ROWS.has('e2e') ? [] : redis ? ['redis', 'postgres'] : ['postgres']) {
    for (const split of SPLIT ? [false, true] : [false]) {
      // One backend failing (e.g. Redis going away) does not cost the other's rows.
      try {
        report.e2e.push(await endToEnd(backend, split));
      } catch (error) {
        problems.push(`end to end, ${backend}${split ? ', api + worker' : ''}: ${error.stack ?? error}`);
        log(problems.at(-1));
      }
    }
  }

  if (ROWS.has('console')) {
    try {
      report.console = await consoleJourney();
    } catch (error) {
      problems.push(`console journey page: ${error.stack ?? error}`);
      log(problems.at(-1));
    }
  }
} catch (error) {
  failed = error;
} finally {
  await cleanup();
}

// ---------------------------------------------------------------- the report

const { baseline, marketNew, marketRepeat, tickets, stored, e2e = [] } = report;
const cpu = cpus();
const ratio = (r) => (baseline && r ? r.requests.average / baseline.requests.average : NaN);
const out = [];
out.push('');
out.push(
  `order-sync bench, ${new Date().toISOString()}: node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end`,
);
out.push(
  `database: ${databaseKind ?? 'not reached'}; queues: Redis ${report.redis ? `${report.redis} at ${new URL(REDIS_URL).host}` : `not reachable at ${new URL(REDIS_URL).host} (its rows are skipped)`} and BullMQ's PostgreSQL backend`,
);
out.push(`app (node dist/main.js) and bare route each in their own process; autocannon and the fake IMSHOP in this one`);
out.push(
  `parameters: intake ${CONNECTIONS} connections × ${SECONDS} s per row; end to end ${RATE} changes/s offered for ${RATE_SECONDS} s (open loop, at most ${MAX_IN_FLIGHT} in flight), ` +
    `then a burst of ${PUSHES} with ${BURST_IN_FLIGHT} in flight; DELIVERY_CONCURRENCY=20${SPLIT ? '; layouts: one process, and api + worker' : ''}; ` +
    (WARMUP > 0 ? `each server warmed up first with ${WARMUP} s of the same traffic (not counted)` : 'no warm-up'),
);
out.push('');
out.push('| measure | value | p50 ms | p99 ms | vs bare | non-2xx + errors |');
out.push('| --- | --- | --- | --- | --- | --- |');
const intakeRow = (title, r) =>
  r &&
  out.push(
    `| ${title}, req/s | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${ratio(r).toFixed(2)} | ${r.non2xx + r.errors + r.timeouts} |`,
  );
intakeRow('bare NestJS POST (baseline)', baseline);
intakeRow('Market ORDER_STATUS_UPDATED, new orders', marketNew);
intakeRow('Market ORDER_STATUS_UPDATED, exact repeats', marketRepeat);
intakeRow('IMSHOP ticket status webhook, new tickets', tickets);
for (const r of e2e) {
  const a = r.rate;
  const b = r.burst;
  if (a)
    out.push(
      `| change → IMSHOP at ${RATE}/s offered, ${r.label}: changes/s sent | ${a.sentPerSecond} | ${a.p50} | ${a.p99} | | ${a.refused} refused, ${a.skipped} skipped at the ${MAX_IN_FLIGHT} in-flight cap; ${a.arrived} of ${a.accepted} accepted arrived |`,
    );
  if (b)
    out.push(
      `| deliveries/s, burst of ${PUSHES}, ${r.label} | ${b.deliveriesPerSecond} | | | | ${b.refused} refused; ${b.arrived} of ${b.accepted} accepted arrived |`,
    );
}
if (report.console) {
  const c = report.console;
  out.push(
    `| console: journey page of an order with ${c.events} events (${c.arrows} arrows, ${c.kib} KiB), GET at ${CONSOLE_CONNECTIONS} connections, pages/s (app CPU ${c.cpuMsPerPage.toFixed(1)} ms a page) | ${Math.round(c.requests.average)} | ${c.latency.p50} | ${c.latency.p99} | | ${c.non2xx + c.errors + c.timeouts} |`,
  );
}
if (report.intakeRss !== undefined) out.push(`| peak RSS (VmHWM), intake app, MiB | ${report.intakeRss} | | | | |`);
for (const r of e2e) for (const p of r.rss ?? []) out.push(`| peak RSS (VmHWM), ${p.name === 'app' ? 'app' : p.name}, ${r.label}, MiB | ${p.mib} | | | | |`);

if (stored) {
  out.push('');
  out.push('stored by the intake rows (counted in the database after the app stopped):');
  out.push(
    `- Market new orders: ${stored.market.new_rows} market_events rows (${stored.market.new_applied} applied); ${marketNew['2xx']} requests answered 2xx, ${marketNew.requests.sent} sent`,
  );
  out.push(
    `- Market exact repeats: ${stored.market.repeat_rows} market_events row, duplicate_count ${stored.market.repeat_duplicates}; ${marketRepeat['2xx']} answered 2xx (the first stored, the rest repeats), ${marketRepeat.requests.sent} sent`,
  );
  out.push(
    `- IMSHOP tickets: ${stored.tickets.rows} imshop_ticket_events rows (${stored.tickets.applied} applied, ${stored.tickets.shipped_orders} orders moved to SHIPPED); ${tickets['2xx']} answered 2xx, ${tickets.requests.sent} sent`,
  );
}
for (const r of e2e) {
  if (r.deliveries)
    out.push(
      `- ${r.label}: ${r.deliveries.total} deliveries in the database, ${r.deliveries.sent} sent${r.extra ? `; ${r.extra} pushes the bench was not waiting for` : ''}`,
    );
}

if (baseline || e2e.length || report.console) {
  const mark = (met) => (met ? 'met' : 'MISSED');
  const targets = [];
  if (marketNew)
    targets.push(`Market ORDER_STATUS_UPDATED (new orders) ≥ 0.40 of bare req/s: ${mark(ratio(marketNew) >= 0.4)} (${ratio(marketNew).toFixed(2)})`);
  if (tickets) targets.push(`IMSHOP ticket webhook ≥ 0.40 of bare req/s: ${mark(ratio(tickets) >= 0.4)} (${ratio(tickets).toFixed(2)})`);
  for (const [title, r] of [
    ['Market new orders', marketNew],
    ['Market exact repeats', marketRepeat],
    ['IMSHOP tickets', tickets],
  ]) {
    if (r) targets.push(`intake p99 < 50 ms at ${CONNECTIONS} connections, ${title}: ${mark(r.latency.p99 < 50)} (${r.latency.p99} ms)`);
  }
  for (const r of e2e) {
    if (!r.rate) continue;
    // Met only when every change was taken and delivered, too.
    const complete = r.rate.refused === 0 && r.rate.skipped === 0 && r.rate.missing === 0;
    const short = [
      r.rate.refused && `${r.rate.refused} refused`,
      r.rate.skipped && `${r.rate.skipped} not sent, ${MAX_IN_FLIGHT} were unanswered`,
      r.rate.missing && `${r.rate.missing} never arrived`,
    ].filter(Boolean);
    targets.push(
      `change → IMSHOP p99 < 200 ms at ${RATE}/s, ${r.label}: ${mark(complete && r.rate.p99 < 200)} (${r.rate.p99} ms${complete ? '' : `; ${short.join(', ')}`})`,
    );
  }
  for (const r of e2e) {
    if (!r.burst || r.split) continue;
    const floor = r.backend === 'redis' ? 1000 : 500;
    targets.push(
      `deliveries/s in one process ≥ ${floor}, ${r.label}: ${mark(r.burst.deliveriesPerSecond >= floor && r.burst.missing === 0)} (${r.burst.deliveriesPerSecond}/s)`,
    );
  }
  if (report.console) {
    const c = report.console;
    targets.push(
      `console journey page of an order with ${c.events} events p99 < 100 ms at ${CONSOLE_CONNECTIONS} connections: ${mark(c.latency.p99 < 100 && c.non2xx + c.errors + c.timeouts === 0)} (${c.latency.p99} ms)`,
    );
  }
  out.push('');
  out.push('targets (intake: issue 5; end to end: issue 16; console: issue 24):');
  for (const line of targets) out.push(`- ${line}`);
}
if (failed) problems.push(`the run stopped early: ${failed.stack ?? failed}`);
if (problems.length) {
  out.push('');
  out.push('HARNESS PROBLEMS (the numbers above are not trustworthy):');
  for (const p of problems) out.push(`- ${p}`);
}
console.log(out.join('\n'));
process.exitCode = problems.length ? 1 : 0;
