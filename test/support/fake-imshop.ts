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
 * IMSHOP played by a real HTTP server (the generic fake peer) with IMSHOP's default answers:
 * `POST /tickets` → `{success: true, status: "created", ticketId: "rsp-fake-<n>"}`, anything else (the
 * status sync) → `{success: true}`.
 */
export async function startFakeImshop(): Promise<FakeImshop> {
  const peer = await startFakePeer();
  let ticketCounter = 0;
  let responder: FakeImshopResponder = () => undefined;
  const defaultAnswer = (request: FakeImshopRequest): FakeImshopAnswer =>
    request.path === '/tickets' ? { status: 200, body: { success: true, status: 'created', ticketId: `rsp-fake-${++ticketCounter}` } } : { status: 200, body: { success: true } };
  peer.respond((request) => {
    try {
      return responder(request) ?? defaultAnswer(request);
    } catch (error) {
      return { status: 500, body: { success: false, errorMessage: (error as Error).message } };
    }
  });
  return {
    url: peer.url,
    requests: peer.requests,
    respond(fn) {
      responder = fn;
    },
    to: (path) => peer.requests.filter((request) => request.path === path),
    waitFor: (predicate, timeoutMs = 10_000) => eventually(async () => predicate(peer.requests), timeoutMs, 25).then(() => undefined),
    close: () => peer.close(),
  };
}
