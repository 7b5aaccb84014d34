import { channel, Handles, type Channel } from '../events/channels';

/**
 * The body of a delivery, by target. The outbox knows no target: each module that sends deliveries adds its
 * own here (`declare module '../outbox/delivery-targets'`), so a delivery written for a target and its sender
 * agree on the type, checked by the compiler.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by module augmentation
export interface DeliveryPayloads {}

export type DeliveryTargetName = keyof DeliveryPayloads & string;

/** What a target's sender reports for one attempt. */
export interface SendResult {
  outcome: 'sent' | 'retry' | 'dead';
  statusCode: number;
  latencyMs: number;
  error?: string;
  /** What the delivery keeps of a successful attempt (IMSHOP's uuid, a ticket id, ...). */
  response?: unknown;
  /** The peer's answer as received (bounded, sanitized), for the attempt log. */
  responseText?: string;
  retryAfterSeconds?: number;
  /** No request left this process (the lease's signal was aborted before it, say): the peer cannot have acted on it. */
  notSent?: boolean;
}

/**
 * How the deliveries of one order to a target follow one another, declared by the target's owner:
 *
 * - `newest-wins`: the peer sets each status on its own (IMSHOP): only the newest matters, so a delivery that
 *   has a newer one of its order, in any state, is superseded and never sent.
 * - `in-order`: the peer's status model is a sequence (Market: STARTED → READY_TO_SHIP → DELIVERY → DELIVERED):
 *   every delivery is a step, sent in the order the changes were made. A step waits while an earlier one is
 *   waiting, retrying or in flight; it goes once the earlier one was accepted or given up (`dead`); it is
 *   superseded only when a later step was accepted (the peer is past it). Nothing is erased by a later step
 *   that died.
 */
export type DeliveryOrdering = 'newest-wins' | 'in-order';

/** How a target's deliveries go, declared by the target's owner with its sender (@SendsDeliveries). */
export interface DeliveryPolicy {
  ordering: DeliveryOrdering;
  /**
   * The delays before retries 1, 2, … (the last repeats), as written for DELIVERY_BACKOFF_MS = 5000 (the whole
   * schedule scales with it, and DELIVERY_BACKOFF_MAX_MS caps each step). Default: RETRY_SCHEDULE_MS (backoff.ts).
   */
  retrySchedule?: readonly number[];
}

/** What a sender gets for one attempt. */
export interface SendAttempt<Body> {
  body: Body;
  /**
   * Aborted once this process can no longer be sure it holds the delivery's lease for a whole request (its
   * renewals failed, or another worker took the delivery). No request may start after that: pass it to every
   * peer call (callPeer refuses to start one on an aborted signal). A request already out is not cut: it ends
   * within DELIVERY_TIMEOUT_MS, before the lease can lapse.
   */
  signal: AbortSignal;
}

/** One attempt of a delivery, keyed by its target: the outbox calls the target's sender with the delivery's body. */
export const DELIVERY_SEND = channel<SendAttempt<unknown>, SendResult>('delivery.send');

/**
 * Declares the method as the sender of `target`'s deliveries, with the target's ordering policy; the compiler
 * checks that it takes that target's body.
 */
export function SendsDeliveries<T extends DeliveryTargetName>(target: T, policy: DeliveryPolicy) {
  return Handles(DELIVERY_SEND as Channel<SendAttempt<DeliveryPayloads[T]>, SendResult>, target, policy);
}

/** A delivery to write in the transaction of a change: its body is the one its target's sender takes. */
export interface NewDelivery<T extends DeliveryTargetName = DeliveryTargetName> {
  orderId: string;
  target: T;
  /** The order-history row of the change: orders changes per order, so "newer" is a larger number. */
  changeSeq: string;
  internalStatus: string | null;
  payload: DeliveryPayloads[T];
}
