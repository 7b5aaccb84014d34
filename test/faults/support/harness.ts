import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, httpRequest, spawnApp, type AppProcess } from '../../support/app-process';
import { startFakePeer, type FakePeer } from '../../support/fake-http-peer';
import { startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from './services';
import { ADMIN_KEY, IMSHOP_CODE, IMSHOP_KEY, until, type Burst, type Sent, type Workload } from './traffic';

export { ADMIN_KEY, IMSHOP_KEY };

/** Jest timeout of one scenario (the whole `npm run test:faults` aims at under 4 minutes). */
export const SCENARIO_TIMEOUT_MS = 180_000;

/**
 * One fault scenario's world: its own PostgreSQL and Redis (see services.ts), a fake IMSHOP in this
 * process, and the real built app (`node dist/main.js`) as child processes. `close()` stops everything
 * this world started (only by the pids it holds) and removes its temporary directories.
 */
export interface World {
  pg: TestPostgres;
  redis: TestRedis;
  fake: FakePeer;
  apps: AppProcess[];
  dataDir: string;
  env(port: number, extra?: Record<string, string>): Record<string, string>;
  startApp(port: number, extra?: Record<string, string>): Promise<AppProcess>;
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startWorld(name: string): Promise<World> {
  const dataDir = realpathSync(mkdtempSync(join(tmpdir(), `order-sync-faults-${name}-`)));
  const started: { pg?: TestPostgres; redis?: TestRedis; fake?: FakePeer } = {};
  const apps: AppProcess[] = [];
  let client: pg.Client | undefined;
  const close = async () => {
    await client?.end().catch(() => undefined);
    client = undefined;
    for (const app of apps) {
      if (!app.hasExited()) {
        try {
          app.stop('SIGKILL'); // the app's own process group (spawnApp starts it detached)
        } catch {
          // already gone
        }
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([app.exited, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
        clearTimeout(timer);
      }
    }
    await started.fake?.close().catch(() => undefined);
    await started.redis?.destroy().catch(() => undefined);
    await started.pg?.destroy().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [pgServer, redis, fake] = await Promise.all([startTestPostgres(), startTestRedis(), startFakePeer()]);
    Object.assign(started, { pg: pgServer, redis, fake });
    const world: World = {
      pg: pgServer,
      redis,
      fake,
      apps,
      dataDir,
      env: (port, extra = {}) => ({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: pgServer.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: `faults-${name}`,
        ADMIN_API_KEY: ADMIN_KEY,
        ADMIN_RATE_LIMIT: '1000000',
        LOG_LEVEL: 'warn',
        MARKET_ALLOWED_CIDRS: '127.0.0.1/32',
        IMSHOP_API_KEY: IMSHOP_KEY,
        IMSHOP_WEBHOOK_KEY: IMSHOP_KEY,
        IMSHOP_STATUS_URL: `${fake.url}/statuses`,
        DELIVERY_BACKOFF_MS: '100',
        DELIVERY_BACKOFF_MAX_MS: '1000',
        DELIVERY_TIMEOUT_MS: '2000',
        DELIVERY_MAX_ATTEMPTS: '100',
        DELIVERY_CONCURRENCY: '20',
        OUTBOX_SWEEP_MS: '500',
        MARKET_RECONCILE_MINUTES: '0',
        RETENTION_INTERVAL_MS: '0',
        ...extra,
      }),
      async startApp(port, extra = {}) {
        const app = spawnApp(world.env(port, extra));
        apps.push(app);
        await until(
          async () => {
            if (app.hasExited()) throw new Error(`app exited at start:\n${app.logs.stdout}\n${app.logs.stderr}`);
            return (await httpRequest(port, 'GET', '/health', { timeoutMs: 2_000 }).catch(() => ({ status: 0 }))).status === 200;
          },
          60_000,
          `GET /health on ${port}`,
          100,
        );
        return app;
      },
      async query(sql, params = []) {
        if (!client) {
          client = new pg.Client({ connectionString: pgServer.url });
          client.on('error', () => undefined);
          await client.connect();
        }
        try {
          return (await client.query(sql, params as unknown[])).rows;
        } catch (error) {
          // a server restart ends the session: reconnect once
          await client.end().catch(() => undefined);
          client = undefined;
          throw error;
        }
      },
      close,
    };
    return world;
  } catch (error) {
    await close();
    throw error;
  }
}

export { freePort };

/** Waits until no delivery is pending, retrying or in flight, and the fake IMSHOP got nothing new for a moment. */
export async function settle(world: World, timeoutMs = 100_000): Promise<void> {
  let lastCount = -1;
  let quietSince = Date.now();
  await until(
    async () => {
      const [{ waiting }] = await world.query<{ waiting: number }>(
        "SELECT count(*)::int AS waiting FROM deliveries WHERE state IN ('pending', 'retrying', 'in_flight')",
      );
      const count = world.fake.requests.length;
      if (process.env.FAULTS_DEBUG && waiting > 0) {
        const rows = await world.query(
          "SELECT id, state, attempts, next_attempt_at, now() AS now, last_error FROM deliveries WHERE state IN ('pending', 'retrying', 'in_flight') LIMIT 3",
        );
        console.log(new Date().toISOString(), waiting, JSON.stringify(rows));
      }
      if (count !== lastCount || waiting > 0) {
        lastCount = count;
        quietSince = Date.now();
        return false;
      }
      return Date.now() - quietSince > 1_000;
    },
    timeoutMs,
    'deliveries to settle',
    200,
  );
}

export interface ReconcileOptions {
  /** Two instances with a healthy IMSHOP: every sent delivery went out exactly once (one attempt, one receipt). */
  exactlyOnceSends?: boolean;
  extra?: Record<string, number | string>;
  wallMs?: number;
}

export interface Reconciliation {
  line: string;
  problems: string[];
  counts: Record<string, number | string>;
}

const TERMINAL_OK = new Set(['sent', 'superseded']);

/**
 * The exact reconciliation of a scenario, from what the test sent and what the server answered:
 * (a) every notification answered 2xx is stored exactly once (inbox row and order-history row);
 * (b) every order's status is the one implied by its latest event;
 * (c) every change IMSHOP must hear of reached the fake IMSHOP: each delivery row ends `sent` or
 *     `superseded` (a newer change of the same order was being or had been delivered), the latest change
 *     of every pushed order was sent, every sent delivery's body was received at least once, and the last
 *     request the fake received for an order is that order's latest delivery, which says its current status.
 */
export async function reconcile(name: string, world: World, workload: Workload, burst: Burst, options: ReconcileOptions = {}): Promise<Reconciliation> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 40) problems.push(text);
  };
  const sent = burst.sent;
  const byKey = new Map<string, Sent[]>();
  for (const s of sent) byKey.set(s.n.key, [...(byKey.get(s.n.key) ?? []), s]);
  const okKeys = new Set(sent.filter((s) => s.ok).map((s) => s.n.key));
  const noAnswer = (key: string) => (byKey.get(key) ?? []).reduce((sum, s) => sum + s.attempts.filter((a) => a.status === 0).length, 0);
  const okCopies = (key: string) => (byKey.get(key) ?? []).filter((s) => s.ok).length;
  const attempts = sent.flatMap((s) => s.attempts);

  for (const s of sent) if (!s.ok) problem(`${s.n.key} was never answered 2xx (${s.attempts.map((a) => a.status || a.error).join(', ')})`);
  const fourxx = attempts.filter((a) => a.status >= 400 && a.status < 500).length;
  if (fourxx) problem(`${fourxx} requests were answered 4xx`);

  // ------------------------------------------------------------ (a) stored exactly once
  const orders = await world.query<{ id: string; oms_order_number: string | null; market_order_id: string | null; status: string }>(
    'SELECT id, oms_order_number, market_order_id, status FROM orders',
  );
  const refOf = new Map<string, string>();
  const orderOf = new Map<string, (typeof orders)[number]>();
  for (const o of orders) {
    const ref = o.market_order_id ?? o.oms_order_number ?? o.id;
    if (orderOf.has(ref)) problem(`order ${ref} exists twice`);
    orderOf.set(ref, o);
    refOf.set(o.id, ref);
  }
  const history = await world.query<{ order_id: string; source: string; outcome: string; to_status: string | null; event_ms: string; message: string | null }>(
    `SELECT order_id, source, outcome, to_status, (extract(epoch FROM event_at) * 1000)::bigint::text AS event_ms, payload->>'message' AS message FROM order_history`,
  );
  const historyCount = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const h of history) {
    const ref = refOf.get(h.order_id)!;
    if (h.source === 'oms') bump(historyCount, `oms:${h.message}`);
    else bump(historyCount, `${h.source}:${ref}:${h.event_ms}`);
  }
  const marketEvents = await world.query<{ order_id: string; event_ms: string; duplicate_count: number }>(
    `SELECT order_id::text, (extract(epoch FROM event_at) * 1000)::bigint::text AS event_ms, duplicate_count FROM market_events WHERE campaign_id = $1`,
    [workload.campaignId],
  );
  const inbox = new Map<string, { rows: number; duplicates: number }>();
  for (const e of marketEvents) {
    const key = `market:${e.order_id}:${e.event_ms}`;
    const row = inbox.get(key) ?? { rows: 0, duplicates: 0 };
    row.rows++;
    row.duplicates += e.duplicate_count;
    inbox.set(key, row);
  }
  const ticketEvents = await world.query<{ ticket: string; status: string; event_ms: string }>(
    `SELECT t.imshop_ticket_id AS ticket, e.status, (extract(epoch FROM e.event_at) * 1000)::bigint::text AS event_ms
     FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id`,
  );
  for (const e of ticketEvents) bump(historyCount, `inbox:ticket:${e.ticket}:${e.status}:${Number(e.event_ms) / 1000}`);

  const stored = { market: 0, ticket: 0, oms: 0 };
  const known = new Set<string>();
  for (const n of workload.events) {
    const sentIt = byKey.has(n.key);
    const ok = okKeys.has(n.key);
    const ambiguous = noAnswer(n.key);
    if (n.kind === 'market') {
      known.add(n.key);
      const row = inbox.get(n.key);
      const rows = row?.rows ?? 0;
      const hist = historyCount.get(`market:${n.order}:${n.eventAtMs}`) ?? 0;
      if (ok && (rows !== 1 || hist !== 1)) problem(`${n.key}: answered 2xx, stored ${rows} inbox rows and ${hist} history rows`);
      if (!ok && sentIt && (rows > 1 || (rows === 1 && ambiguous === 0))) problem(`${n.key}: never 2xx, without a lost answer, yet stored`);
      if (rows === 1) {
        stored.market++;
        const min = okCopies(n.key) - 1;
        const max = min + ambiguous;
        if (row!.duplicates < min || row!.duplicates > max) problem(`${n.key}: duplicate_count ${row!.duplicates}, expected ${min}..${max}`);
      }
    } else if (n.kind === 'ticket') {
      const body = n.body as { ticketId: string; status: string; metadata: { timestamp: string } };
      const rows = historyCount.get(`inbox:ticket:${body.ticketId}:${body.status}:${body.metadata.timestamp}`) ?? 0;
      const hist = historyCount.get(`imshop_ticket:${n.order}:${n.eventAtMs}`) ?? 0;
      if (ok && (rows !== 1 || hist !== 1)) problem(`${n.key}: answered 2xx, stored ${rows} ticket events and ${hist} history rows`);
      if (!ok && sentIt && rows > 0 && ambiguous === 0) problem(`${n.key}: never 2xx, without a lost answer, yet stored`);
      if (rows === 1) stored.ticket++;
    } else {
      // OMS relays carry an Idempotency-Key (their request shape has no event id): stored exactly once.
      const rows = historyCount.get(`oms:${n.message}`) ?? 0;
      if (ok && rows !== 1) problem(`${n.key}: answered 2xx, ${rows} history rows`);
      if (!ok && sentIt && rows > 0 && ambiguous === 0) problem(`${n.key}: never 2xx, without a lost answer, yet stored`);
      if (rows > 0) stored.oms++;
    }
  }
  for (const key of inbox.keys()) if (!known.has(key)) problem(`market inbox row ${key} matches no notification sent`);

  // ------------------------------------------------------------ (b) current status = latest event
  const expected = new Map<string, { status: string; kind: string; code?: string; message?: string }>();
  const latestAt = new Map<string, number>();
  for (const n of workload.events) {
    if (!okKeys.has(n.key)) continue;
    if (n.kind === 'oms') {
      expected.set(n.order, { status: n.internal, kind: n.kind, code: n.code, message: n.message }); // chains are sent in order
    } else if ((latestAt.get(n.order) ?? -Infinity) < n.eventAtMs!) {
      latestAt.set(n.order, n.eventAtMs!);
      expected.set(n.order, { status: n.internal, kind: n.kind });
    }
  }
  let statusOk = 0;
  for (const [ref, want] of expected) {
    const order = orderOf.get(ref);
    if (!order) problem(`order ${ref} (${want.kind}) is missing`);
    else if (order.status !== want.status) problem(`order ${ref} (${want.kind}) is ${order.status}, its latest event says ${want.status}`);
    else statusOk++;
  }

  // ------------------------------------------------------------ (c) pushes
  const deliveries = await world.query<{
    id: string;
    order_id: string;
    state: string;
    change_seq: string;
    payload: any;
    internal_status: string | null;
    attempts: number;
  }>(`SELECT id, order_id, state, change_seq::text, payload, internal_status, attempts FROM deliveries WHERE target = 'imshop' ORDER BY change_seq::bigint`);
  const attemptRows = await world.query<{ delivery_id: string; outcome: string; n: number }>(
    `SELECT delivery_id::text, outcome, count(*)::int AS n FROM delivery_attempts GROUP BY delivery_id, outcome`,
  );
  const sentAttempts = new Map<string, number>();
  const allAttempts = new Map<string, number>();
  for (const a of attemptRows) {
    allAttempts.set(a.delivery_id, (allAttempts.get(a.delivery_id) ?? 0) + a.n);
    if (a.outcome === 'sent') sentAttempts.set(a.delivery_id, a.n);
  }
  const received = world.fake.requests.filter((r) => r.path === '/statuses');
  const receivedBodies = new Map<string, number>();
  const lastReceived = new Map<string, string>();
  for (const r of received) {
    const body = JSON.stringify(r.body);
    bump(receivedBodies, body);
    lastReceived.set(String(r.body?.id), body);
  }
  const perOrder = new Map<string, typeof deliveries>();
  const states: Record<string, number> = {};
  const changes = new Map<string, number>();
  for (const d of deliveries) {
    states[d.state] = (states[d.state] ?? 0) + 1;
    bump(changes, d.change_seq);
    const ref = refOf.get(d.order_id)!;
    perOrder.set(ref, [...(perOrder.get(ref) ?? []), d]);
    if (!TERMINAL_OK.has(d.state)) problem(`delivery ${d.id} of ${ref} ended ${d.state}`);
    const body = JSON.stringify(d.payload);
    const got = receivedBodies.get(body) ?? 0;
    if (d.state === 'sent' && got < 1) problem(`delivery ${d.id} of ${ref} is sent but IMSHOP never received ${body}`);
    if (options.exactlyOnceSends) {
      if (d.state === 'sent' && ((sentAttempts.get(d.id) ?? 0) !== 1 || (allAttempts.get(d.id) ?? 0) !== 1)) {
        problem(`delivery ${d.id} of ${ref}: ${allAttempts.get(d.id) ?? 0} attempts, ${sentAttempts.get(d.id) ?? 0} sent`);
      }
      if (d.state === 'superseded' && (allAttempts.get(d.id) ?? 0) !== 0) problem(`superseded delivery ${d.id} of ${ref} was attempted`);
    }
  }
  for (const [seq, count] of changes) if (count > 1) problem(`change ${seq} has ${count} deliveries`);
  if (options.exactlyOnceSends) {
    const sentBodies = new Map<string, number>();
    for (const d of deliveries) if (d.state === 'sent') bump(sentBodies, JSON.stringify(d.payload));
    for (const [body, count] of receivedBodies) {
      if ((sentBodies.get(body) ?? 0) !== count) problem(`IMSHOP received ${body} ${count}x for ${sentBodies.get(body) ?? 0} sent deliveries`);
    }
  }
  const appliedPerOrder = new Map<string, number>();
  const omsPerOrder = new Map<string, number>();
  for (const h of history) {
    const ref = refOf.get(h.order_id)!;
    if (h.outcome === 'applied') bump(appliedPerOrder, ref);
    if (h.source === 'oms') bump(omsPerOrder, ref);
  }
  const marketSet = new Set(workload.marketOrders);
  let pushedOrders = 0;
  for (const [ref, want] of expected) {
    const list = perOrder.get(ref) ?? [];
    if (want.kind === 'market') {
      if (list.length) problem(`Market-only order ${ref} has ${list.length} IMSHOP deliveries`);
      if (lastReceived.has(ref)) problem(`IMSHOP received a push for Market-only order ${ref}`);
      continue;
    }
    pushedOrders++;
    // Every change IMSHOP must hear of has its delivery row: each applied status change, and every OMS relay.
    const mustHear = want.kind === 'oms' ? (omsPerOrder.get(ref) ?? 0) : (appliedPerOrder.get(ref) ?? 0);
    if (list.length !== mustHear) problem(`order ${ref}: ${list.length} deliveries for ${mustHear} changes IMSHOP must hear of`);
    const latest = list[list.length - 1];
    if (!latest) continue;
    if (latest.state !== 'sent') problem(`order ${ref}: its latest delivery ${latest.id} is ${latest.state}`);
    const body = latest.payload as { id: string; code: string; message?: string };
    const wantCode = want.kind === 'oms' ? want.code : IMSHOP_CODE[want.status];
    if (body.id !== ref || body.code !== wantCode || (want.kind === 'oms' && body.message !== want.message)) {
      problem(`order ${ref}: latest delivery says ${JSON.stringify(body)}, expected code ${wantCode}${want.message ? ` / ${want.message}` : ''}`);
    }
    if (lastReceived.get(ref) !== JSON.stringify(latest.payload)) {
      problem(`order ${ref}: IMSHOP last received ${lastReceived.get(ref) ?? 'nothing'}, its current status is ${JSON.stringify(latest.payload)}`);
    }
  }
  for (const ref of lastReceived.keys()) if (marketSet.has(ref)) problem(`push for Market order ${ref}`);

  const counts: Record<string, number | string> = {
    sent: sent.length,
    distinct: okKeys.size,
    dupCopies: sent.length - byKey.size,
    requests: attempts.length,
    '2xx': sent.filter((s) => s.ok).length,
    '5xx': attempts.filter((a) => a.status >= 500).length,
    noAnswer: attempts.filter((a) => a.status === 0).length,
    'stored(m/t/o)': `${stored.market}/${stored.ticket}/${stored.oms}`,
    orders: expected.size,
    statusOk,
    pushedOrders,
    'deliveries(sent/superseded)': `${states.sent ?? 0}/${states.superseded ?? 0}`,
    pushesReceived: received.length,
    ...options.extra,
  };
  if (options.wallMs !== undefined) counts.wall = `${(options.wallMs / 1000).toFixed(1)}s`;
  const line = `faults[${name}] ${Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}${problems.length ? ` PROBLEMS=${problems.length}` : ''}`;
  console.log(line);
  return { line, problems, counts };
}
