import type { IncomingHttpHeaders } from 'node:http';
import { eventually, startFakePeer } from './fake-http-peer';

export interface FakeImshopRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeImshopAnswer {
  status: number;
  body?: unknown;
  /** Answer this late (past the client's timeout: IMSHOP acted, the caller never hears of it). */
  delayMs?: number;
}

/** A ticket IMSHOP created: one per accepted `POST /tickets` (IMSHOP documents no reference it dedupes on). */
export interface FakeImshopTicket {
  ticketId: string;
  type: string;
  orderId: string;
  storeId: string;
}

export type FakeImshopResponder = (request: FakeImshopRequest) => FakeImshopAnswer | undefined;

export interface FakeImshop {
  url: string;
  /** Every request received, in order. */
  requests: FakeImshopRequest[];
  /** Every ticket created (not `cancel` requests), in order, whether or not the caller got the answer. */
  tickets: FakeImshopTicket[];
  /** Replaces the answering rule; return undefined to fall back to the default answer. */
  respond(fn: FakeImshopResponder): void;
  /** Requests to one path (e.g. `/tickets`). */
  to(path: string): FakeImshopRequest[];
  /** Resolves once `predicate` holds for the recorded requests (polls; rejects after `timeoutMs`). */
  waitFor(predicate: (requests: FakeImshopRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * IMSHOP played by a real HTTP server (the generic fake peer) with IMSHOP's default answers:
 * `POST /tickets` → `{success: true, status: "created", ticketId: "rsp-fake-<n>"}`, anything else (the
 * status sync) → `{success: true}`. As IMSHOP documents it, every accepted ticket request creates a new ticket
 * (`tickets`): there is no reference of the caller's it dedupes on, and no lookup.
 */
export async function startFakeImshop(): Promise<FakeImshop> {
  const peer = await startFakePeer();
  let ticketCounter = 0;
  let responder: FakeImshopResponder = () => undefined;
  const tickets: FakeImshopTicket[] = [];
  const defaultAnswer = (request: FakeImshopRequest): FakeImshopAnswer =>
    request.path === '/tickets'
      ? { status: 200, body: { success: true, status: 'created', ticketId: `rsp-fake-${++ticketCounter}` } }
      : { status: 200, body: { success: true } };
  const answer = (request: FakeImshopRequest): FakeImshopAnswer => {
    try {
      return responder(request) ?? defaultAnswer(request);
    } catch (error) {
      return { status: 500, body: { success: false, errorMessage: (error as Error).message } };
    }
  };
  peer.respond((request) => {
    const given = answer(request);
    const body = given.body as { success?: unknown; ticketId?: unknown } | undefined;
    if (request.path === '/tickets' && given.status === 200 && body?.success === true && typeof body.ticketId === 'string' && request.body?.type !== 'cancel') {
      tickets.push({ ticketId: body.ticketId, type: request.body?.type, orderId: request.body?.orderId, storeId: request.body?.storeId });
    }
    return given;
  });
  return {
    url: peer.url,
    requests: peer.requests,
    tickets,
    respond(fn) {
      responder = fn;
    },
    to: (path) => peer.requests.filter((request) => request.path === path),
    waitFor: (predicate, timeoutMs = 10_000) => eventually(async () => predicate(peer.requests), timeoutMs, 25).then(() => undefined),
    close: () => peer.close(),
  };
}
