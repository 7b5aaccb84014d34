/** 2026-05-28T…: IMSHOP sends unix seconds, as a string in its examples. */
export const T0 = 1_780_000_000;

/** IMSHOP's ticket status webhook body (the seed's example shape); `at` in unix seconds, or as sent (a string). */
export function ticketStatusEvent(ticketId: string, orderId: string, status: string, at: number | string, extra: Record<string, unknown> = {}) {
  return {
    ticketId,
    orderId,
    storeId: '1456',
    staffId: '12393',
    status,
    comment: null,
    ...extra,
    metadata: { timestamp: typeof at === 'number' ? String(at) : at, ...((extra.metadata as object) ?? {}) },
  };
}
