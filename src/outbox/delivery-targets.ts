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
}

/** One attempt of a delivery, keyed by its target: the outbox calls the target's sender with the delivery's body. */
export const DELIVERY_SEND = channel<unknown, SendResult>('delivery.send');

/** Declares the method as the sender of `target`'s deliveries; the compiler checks that it takes that target's body. */
export function SendsDeliveries<T extends DeliveryTargetName>(target: T) {
  return Handles(DELIVERY_SEND as Channel<DeliveryPayloads[T], SendResult>, target);
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
