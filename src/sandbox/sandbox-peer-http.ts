import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { SandboxPeer } from './dto/sandbox-admin.dto';
import type { PeerAnswer } from './sandbox-peer';
import type { SandboxRecorder } from './sandbox-recorder.service';

/** Headers of the connection, not of the request: not recorded. */
const CONNECTION_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
/** A peer told never to answer lets the connection go after this long, if the caller has not given up first. */
const NO_ANSWER_HOLD_MS = 5 * 60_000;

const logger = new Logger('Sandbox');

/** How a sandbox peer serves a request: who it refuses (checked first), and its answer to the others. */
export interface PeerRoute {
  /** The peer's refusal of the caller (a missing or wrong key, a URL it does not stand in for), or null. */
  refusal: () => PeerAnswer | null;
  answer: () => Promise<PeerAnswer>;
}

/**
 * One request to a sandbox peer over HTTP. A caller the peer refuses (no key, a wrong key) gets the refusal and
 * nothing else: it takes no fault an admin set and is not recorded. Otherwise: the fault waiting for the peer
 * (delay, status, no answer) or the peer's own answer; recorded (before the answer goes out, so whoever sees the
 * answer finds the record, credentials masked) and sent.
 */
export async function servePeer(sandbox: SandboxRecorder, peer: SandboxPeer, req: Request, res: Response, route: PeerRoute): Promise<void> {
  const refused = route.refusal();
  if (refused) {
    res.status(refused.status).json(refused.body);
    return;
  }
  const receivedAt = new Date();
  const fault = sandbox.takeFault(peer);
  if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  let given: PeerAnswer | null;
  try {
    given = fault?.noAnswer ? null : fault?.status != null ? sandbox.faultAnswer(peer, fault.status) : await route.answer();
  } catch (error) {
    logger.error(`sandbox ${peer} failed to answer ${req.method} ${req.path}: ${(error as Error).stack ?? String(error)}`);
    given = sandbox.faultAnswer(peer, 500);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !CONNECTION_HEADERS.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  try {
    await sandbox.record({
      peer,
      method: req.method,
      path: req.originalUrl.replace(/^\/sandbox\/(imshop|market)/, '') || '/',
      headers,
      body: req.body === undefined || (req.method === 'GET' && isEmptyObject(req.body)) ? null : req.body,
      responseStatus: given?.status ?? null,
      responseBody: given?.body ?? null,
      fault: fault?.description ?? null,
      receivedAt,
      durationMs: Date.now() - receivedAt.getTime(),
    });
  } catch (error) {
    logger.error(`sandbox ${peer}: could not record ${req.method} ${req.path}: ${(error as Error).message}`);
  }
  if (!given) {
    sandbox.holdOpen(() => req.socket.destroy(), NO_ANSWER_HOLD_MS);
    return;
  }
  res.status(given.status).json(given.body);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
