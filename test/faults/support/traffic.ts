import http from 'node:http';

/**
 * The client side of the fault scenarios: generates Market notifications, IMSHOP ticket webhooks and OMS
 * status relays with known expected outcomes, and sends them like Market and IMSHOP do: whatever got no
 * answer or a 5xx is sent again (after a short pause) until it is answered 2xx.
 */

export const IMSHOP_KEY = 'faults-imshop-key-0123456789';
export const ADMIN_KEY = 'faults-admin-key-0123456789abcdef';

export type Kind = 'market' | 'ticket' | 'oms';

export interface Notification {
  kind: Kind;
  /** Identifies the event: copies (duplicates) of one event share it. */
  key: string;
  /** The order in the test's terms: Market order id, or the OMS order number. */
  order: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Event time (ms) for Market and ticket events; OMS relays carry none (arrival order counts). */
  eventAtMs?: number;
  /** Internal status the event maps to (the default mapping rows, restated here). */
  internal: string;
  /** OMS: the relayed code and the unique message that tags this request in history and in the push. */
  code?: string;
  message?: string;
}

export interface Attempt {
  /** HTTP status, or 0 when no answer came (refused, reset, timeout). */
  status: number;
  error?: string;
  port: number;
  startedAt: number;
  endedAt: number;
}

export interface Sent {
  n: Notification;
  attempts: Attempt[];
  /** Answered 2xx at last. */
  ok: boolean;
}

/** A unit of sending: one notification, or an OMS order's relays one after the other (each answered 2xx before the next). */
export interface Task {
  items: Notification[];
  /** Which app port to send to, by attempt number. */
  port: (attempt: number) => number;
  /** Instead: send each item to every one of these ports at the same moment (two instances receiving it). */
  fanOut?: number[];
}

// ------------------------------------------------------------------ generators

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A small deterministic PRNG (mulberry32) so a failing run can be repeated with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Forward-only life cycles: every step is a strictly later stage of the state machine (order-status.ts),
 * so whatever order the events arrive in, an event newer than the last applied one always applies and an
 * older one is always `stale`: the current status must be the one of the latest event time received.
 */
const MARKET_STEPS = [
  { type: 'ORDER_CREATED', internal: 'NEW' },
  { type: 'ORDER_STATUS_UPDATED', status: 'PROCESSING', substatus: 'STARTED', internal: 'PROCESSING' },
  { type: 'ORDER_STATUS_UPDATED', status: 'PROCESSING', substatus: 'READY_TO_SHIP', internal: 'READY_TO_SHIP' },
  { type: 'ORDER_STATUS_UPDATED', status: 'DELIVERY', substatus: 'DELIVERY_SERVICE_RECEIVED', internal: 'SHIPPED' },
  { type: 'ORDER_STATUS_UPDATED', status: 'PICKUP', substatus: 'PICKUP_SERVICE_RECEIVED', internal: 'READY_FOR_PICKUP' },
  { type: 'ORDER_STATUS_UPDATED', status: 'DELIVERED', substatus: 'DELIVERY_SERVICE_DELIVERED', internal: 'DELIVERED' },
] as const;

/** Ticket statuses that name their type alone (the webhook has no type; our registry does not know these tickets). */
const TICKET_STEPS = [
  { ticket: 'P', status: 'done', internal: 'READY_TO_SHIP' },
  { ticket: 'S', status: 'shipped', internal: 'SHIPPED' },
  { ticket: 'R', status: 'received', internal: 'READY_FOR_PICKUP' },
  { ticket: 'R', status: 'handedOver', internal: 'DELIVERED' },
] as const;

const OMS_STEPS = [
  { code: 'placed', internal: 'NEW' },
  { code: 'processing', internal: 'PROCESSING' },
  { code: 'ready_to_dispatch', internal: 'READY_TO_SHIP' },
  { code: 'dispatched', internal: 'SHIPPED' },
  { code: 'ready_for_pickup', internal: 'READY_FOR_PICKUP' },
  { code: 'delivered', internal: 'DELIVERED' },
] as const;

/** IMSHOP's outbound codes of the internal statuses used above (default mapping rows). */
export const IMSHOP_CODE: Record<string, string> = {
  NEW: 'placed',
  PROCESSING: 'processing',
  READY_TO_SHIP: 'ready_to_dispatch',
  SHIPPED: 'dispatched',
  READY_FOR_PICKUP: 'ready_for_pickup',
  DELIVERED: 'done',
};

export interface Workload {
  /** Distinct events (one per key). */
  events: Notification[];
  /** Every copy to send (events plus duplicates), as tasks in sending order. */
  tasks: Task[];
  /** Notifications in all tasks (copies included). */
  total: number;
  marketOrders: string[];
  ticketOrders: string[];
  omsOrders: string[];
  campaignId: string;
}

export interface WorkloadOptions {
  seed: number;
  /** Rough number of notifications to send, copies included. */
  total: number;
  /** Shares of the three sources (default 0.45 Market, 0.35 tickets, 0.2 OMS). */
  mix?: { market: number; ticket: number; oms: number };
  /** Chance that an event is also sent a second time as a separate request (default 0.15). */
  duplicateRate?: number;
  /** Ports: `all(n)` sends every copy of Market/ticket events to each port given (two instances). */
  ports: number[];
  /** Market and ticket copies go to every port (two instances receiving the same notifications). */
  fanOut?: boolean;
}

export function makeWorkload(options: WorkloadOptions): Workload {
  const random = prng(options.seed);
  const mix = options.mix ?? { market: 0.45, ticket: 0.35, oms: 0.2 };
  const dupRate = options.duplicateRate ?? 0.15;
  const copiesPerEvent = (1 + dupRate) * (options.fanOut ? options.ports.length : 1);
  // (total counts requests: a fanned-out copy is one request per port)
  const run = `${options.seed}${Date.now().toString(36)}`;
  const campaignId = String(100_000 + Math.floor(random() * 800_000));
  const baseMs = Date.UTC(2026, 4, 1) + Math.floor(random() * 1e9);
  const events: Notification[] = [];
  const tasks: Task[] = [];
  const pickPort = () => options.ports[Math.floor(random() * options.ports.length)];
  const fixed = (port: number) => () => port;
  const copies = (n: Notification): Task[] => {
    const count = random() < dupRate ? 2 : 1;
    const out: Task[] = [];
    for (let c = 0; c < count; c++) {
      out.push(options.fanOut ? { items: [n], port: fixed(options.ports[0]), fanOut: options.ports } : { items: [n], port: fixed(pickPort()) });
    }
    return out;
  };
  const steps = (max: number) => 1 + Math.floor(random() * max);

  const marketOrders: string[] = [];
  const marketBudget = (options.total * mix.market) / copiesPerEvent;
  for (let i = 0, made = 0; made < marketBudget; i++) {
    const orderId = String(5_000_000 + i);
    marketOrders.push(orderId);
    const count = steps(MARKET_STEPS.length);
    let at = baseMs + i * 1000;
    for (let s = 0; s < count; s++) {
      at += 1 + Math.floor(random() * 60_000);
      const step = MARKET_STEPS[s];
      // Some events say their time in Moscow time (+03:00): the same instant, another spelling.
      const time = random() < 0.3 ? moscow(at) : new Date(at).toISOString();
      const body =
        step.type === 'ORDER_CREATED'
          ? {
              notificationType: 'ORDER_CREATED',
              campaignId: Number(campaignId),
              orderId: Number(orderId),
              items: [{ offerId: `SKU-${i}`, count: 1 }],
              createdAt: time,
            }
          : {
              notificationType: 'ORDER_STATUS_UPDATED',
              campaignId: Number(campaignId),
              orderId: Number(orderId),
              status: step.status,
              substatus: step.substatus,
              updatedAt: time,
            };
      const n: Notification = {
        kind: 'market',
        key: `market:${orderId}:${at}`,
        order: orderId,
        path: '/market/notification',
        headers: {},
        body,
        eventAtMs: at,
        internal: step.internal,
      };
      events.push(n);
      tasks.push(...copies(n));
      made++;
    }
  }

  const ticketOrders: string[] = [];
  const ticketBudget = (options.total * mix.ticket) / copiesPerEvent;
  for (let i = 0, made = 0; made < ticketBudget; i++) {
    const order = `FT-${run}-${i}`;
    ticketOrders.push(order);
    const count = steps(TICKET_STEPS.length);
    let at = Math.floor(baseMs / 1000) + i * 10;
    for (let s = 0; s < count; s++) {
      at += 1 + Math.floor(random() * 600);
      const step = TICKET_STEPS[s];
      const ticketId = `rsp-${run}-${i}-${step.ticket}`;
      const body = { ticketId, orderId: order, storeId: '1456', staffId: '12393', status: step.status, comment: null, metadata: { timestamp: String(at) } };
      const n: Notification = {
        kind: 'ticket',
        key: `ticket:${ticketId}:${step.status}:${at}`,
        order,
        path: '/imshop/tickets/status',
        headers: { Authorization: `Bearer ${IMSHOP_KEY}` },
        body,
        eventAtMs: at * 1000,
        internal: step.internal,
      };
      events.push(n);
      tasks.push(...copies(n));
      made++;
    }
  }

  const omsOrders: string[] = [];
  const omsBudget = options.total * mix.oms;
  for (let i = 0, made = 0; made < omsBudget; i++) {
    const order = `FO-${run}-${i}`;
    omsOrders.push(order);
    const count = steps(OMS_STEPS.length);
    const items: Notification[] = [];
    for (let s = 0; s < count; s++) {
      const step = OMS_STEPS[s];
      const message = `m-${order}-${s}`;
      const n: Notification = {
        kind: 'oms',
        key: `oms:${order}:${s}`,
        order,
        path: '/orders/status',
        // IMSHOP's request has no event id: the key is what makes a resend after a lost answer a no-op.
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Idempotency-Key': `oms:${order}:${s}` },
        body: { id: order, code: step.code, message },
        internal: step.internal,
        code: step.code,
        message,
      };
      events.push(n);
      items.push(n);
      made++;
    }
    // The OMS relays of one order go in order (they carry no event time); an OMS sends to one instance.
    tasks.push({ items, port: fixed(pickPort()) });
  }

  shuffle(tasks, random);
  return {
    events,
    tasks,
    total: tasks.reduce((sum, t) => sum + t.items.length * (t.fanOut?.length ?? 1), 0),
    marketOrders,
    ticketOrders,
    omsOrders,
    campaignId,
  };
}

function moscow(ms: number): string {
  const local = new Date(ms + 3 * 3_600_000).toISOString().replace('Z', '');
  return `${local}+03:00`;
}

// ------------------------------------------------------------------ sending

function post(port: number, path: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        agent: false,
        headers: { Connection: 'close', 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)), ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('error', fail);
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(payload);
  });
}

export interface Burst {
  sent: Sent[];
  /** Notifications answered 2xx so far. */
  completed(): number;
  done: Promise<void>;
}

export interface BurstOptions {
  concurrency?: number;
  /** Per-request client timeout; long, so that only the faults (not slowness) leave requests unanswered. */
  timeoutMs?: number;
  /** Give up on a notification after this long (the test then fails: it was never answered 2xx). */
  giveUpMs?: number;
}

/** Sends every task with `concurrency` requests in flight; resends on no answer / 5xx until 2xx. */
export function startBurst(tasks: Task[], options: BurstOptions = {}): Burst {
  const concurrency = options.concurrency ?? 32;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const giveUpMs = options.giveUpMs ?? 120_000;
  const sent: Sent[] = [];
  let completed = 0;
  let next = 0;

  const sendOne = async (n: Notification, portOf: Task['port']): Promise<boolean> => {
    const record: Sent = { n, attempts: [], ok: false };
    sent.push(record);
    const deadline = Date.now() + giveUpMs;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const port = portOf(attempt);
      const startedAt = Date.now();
      try {
        const status = await post(port, n.path, n.headers, n.body, timeoutMs);
        record.attempts.push({ status, port, startedAt, endedAt: Date.now() });
        if (status >= 200 && status < 300) {
          record.ok = true;
          completed++;
          return true;
        }
        if (status < 500) return false; // a 4xx is a bug of the test or the service: not retried
      } catch (error) {
        record.attempts.push({ status: 0, error: (error as Error).message, port, startedAt, endedAt: Date.now() });
      }
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** Math.min(attempt, 3), 800) * (0.5 + Math.random())));
    }
    return false;
  };

  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      for (const item of task.items) {
        const sentAll = task.fanOut ? (await Promise.all(task.fanOut.map((port) => sendOne(item, () => port)))).every(Boolean) : await sendOne(item, task.port);
        if (!sentAll) break;
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => undefined);
  return { sent, completed: () => completed, done };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
