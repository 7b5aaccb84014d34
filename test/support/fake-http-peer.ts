import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  at: number;
}

/** What to do with a request: answer with status/body/headers (or raw bytes), hang (timeout), or drop the connection. */
export type PeerBehaviour =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { status: number; raw: Buffer | string; headers?: Record<string, string>; delayMs?: number }
  | { hang: true }
  | { drop: true };

/**
 * A real HTTP server standing in for IMSHOP (or Market) inside a test: records every request and
 * answers by a programmable rule (default: 200 with IMSHOP's success body).
 */
export async function startFakePeer(defaultBody: (req: ReceivedRequest) => unknown = () => ({ success: true })) {
  const requests: ReceivedRequest[] = [];
  let rule: (req: ReceivedRequest, index: number) => PeerBehaviour = (req) => ({ status: 200, body: defaultBody(req) });
  const waiters: { count: number; resolve: () => void }[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // keep the text
      }
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() };
      requests.push(received);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
      const behaviour = rule(received, requests.length - 1);
      if ('hang' in behaviour) return;
      if ('drop' in behaviour) {
        req.socket.destroy();
        return;
      }
      setTimeout(() => {
        res.writeHead(behaviour.status, { 'content-type': 'application/json', ...(behaviour.headers ?? {}) });
        if ('raw' in behaviour) res.end(behaviour.raw);
        else res.end(behaviour.body === undefined ? '' : JSON.stringify(behaviour.body));
      }, behaviour.delayMs ?? 0);
    });
  });
  const served = await serveLocally(server);

  return {
    url: served.url,
    requests,
    /** Replaces the answering rule; `index` counts every request received so far, from 0. */
    respond(next: (req: ReceivedRequest, index: number) => PeerBehaviour) {
      rule = next;
    },
    /** Resolves once `count` requests in total have arrived (or rejects after `timeoutMs`). */
    waitForRequests(count: number, timeoutMs = 15_000): Promise<void> {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} requests, got ${requests.length} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: served.close,
  };
}

/** Listens on an ephemeral port of 127.0.0.1; `close` also ends the connections still open (keep-alive ones too). */
export async function serveLocally(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakePeer = Awaited<ReturnType<typeof startFakePeer>>;

/** Polls until `check` returns a truthy value (the thing a worker does in the background). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
