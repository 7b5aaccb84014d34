import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeImshopRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeImshopAnswer {
  status: number;
  body?: unknown;
}

export type FakeImshopResponder = (request: FakeImshopRequest) => FakeImshopAnswer | undefined;

export interface FakeImshop {
  url: string;
  /** Every request received, in order. */
  requests: FakeImshopRequest[];
  /** Replaces the answering rule; return undefined to fall back to the default answer. */
  respond(fn: FakeImshopResponder): void;
  /** Requests to one path (e.g. `/tickets`). */
  to(path: string): FakeImshopRequest[];
  /** Resolves once `predicate` holds for the recorded requests (polls; rejects after `timeoutMs`). */
  waitFor(predicate: (requests: FakeImshopRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server standing in for IMSHOP: records every request and answers by a programmable rule.
 * Default answers: `POST /tickets` → `{success: true, status: "created", ticketId: "rsp-fake-<n>"}` (a cancel
 * ticket gets `status: "created"` with a new id too), anything else (the status sync) → `{success: true}`.
 */
export async function startFakeImshop(): Promise<FakeImshop> {
  const requests: FakeImshopRequest[] = [];
  const sockets = new Set<Socket>();
  let ticketCounter = 0;
  let responder: FakeImshopResponder = () => undefined;

  const defaultAnswer = (request: FakeImshopRequest): FakeImshopAnswer => {
    if (request.path === '/tickets') return { status: 200, body: { success: true, status: 'created', ticketId: `rsp-fake-${++ticketCounter}` } };
    return { status: 200, body: { success: true } };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // keep the raw text
      }
      const request: FakeImshopRequest = { path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      let answer: FakeImshopAnswer;
      try {
        answer = responder(request) ?? defaultAnswer(request);
      } catch (error) {
        answer = { status: 500, body: { success: false, errorMessage: (error as Error).message } };
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(fn) {
      responder = fn;
    },
    to(path) {
      return requests.filter((request) => request.path === path);
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) throw new Error(`fake IMSHOP: condition not met within ${timeoutMs} ms (${requests.length} requests so far)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
