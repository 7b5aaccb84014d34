/** Canonical order statuses, shared by every source and target (see DESIGN.md). */
export const ORDER_STATUSES = [
  'NEW',
  'PROCESSING',
  'READY_TO_SHIP',
  'PARTIALLY_READY',
  'ASSEMBLY_FAILED',
  'SHIPPED',
  'PARTIALLY_SHIPPED',
  'READY_FOR_PICKUP',
  'DELIVERED',
  'PARTIALLY_DELIVERED',
  'NOT_REDEEMED',
  'RETURNED',
  'PARTIALLY_RETURNED',
  'CANCELLED',
  'UNKNOWN',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

/**
 * Where an order is in its life. A status may move to a later stage; within a stage it may move
 * sideways (PARTIALLY_READY → READY_TO_SHIP). CANCELLED and UNKNOWN are handled separately.
 */
const STAGE: Record<Exclude<OrderStatus, 'CANCELLED' | 'UNKNOWN'>, number> = {
  NEW: 0,
  PROCESSING: 1,
  READY_TO_SHIP: 2,
  PARTIALLY_READY: 2,
  ASSEMBLY_FAILED: 2,
  SHIPPED: 3,
  PARTIALLY_SHIPPED: 3,
  READY_FOR_PICKUP: 4,
  DELIVERED: 5,
  PARTIALLY_DELIVERED: 5,
  NOT_REDEEMED: 5,
  RETURNED: 6,
  PARTIALLY_RETURNED: 6,
};

/** The last stage from which an order can still be cancelled (nothing handed to the buyer yet). */
const LAST_CANCELLABLE_STAGE = STAGE.READY_FOR_PICKUP;

export type TransitionVerdict = { allowed: true } | { allowed: false; reason: string };

/** The order state machine. An admin override bypasses it; every other source is bound by it. */
export function checkTransition(from: OrderStatus, to: OrderStatus): TransitionVerdict {
  if (from === to) return { allowed: true };
  if (to === 'UNKNOWN') return { allowed: false, reason: `an order cannot go back to UNKNOWN from ${from}` };
  if (from === 'UNKNOWN') return { allowed: true };
  if (from === 'CANCELLED') return { allowed: false, reason: 'a cancelled order is final' };
  const fromStage = STAGE[from];
  if (to === 'CANCELLED') {
    return fromStage <= LAST_CANCELLABLE_STAGE ? { allowed: true } : { allowed: false, reason: `an order that is ${from} can no longer be cancelled` };
  }
  const toStage = STAGE[to];
  // A released assembly (IMSHOP "release" ticket) sends the order back to the shelf.
  if (to === 'PROCESSING' && fromStage === STAGE.READY_TO_SHIP) return { allowed: true };
  if (toStage >= fromStage) return { allowed: true };
  return { allowed: false, reason: `${from} cannot go back to ${to}` };
}
