/** Where inbound status codes come from. */
export const INBOUND_SOURCES = ['market', 'imshop_ticket', 'oms'] as const;
export type InboundSource = (typeof INBOUND_SOURCES)[number];

/** Where mapped statuses are delivered to. */
export const OUTBOUND_TARGETS = ['imshop', 'market'] as const;
export type OutboundTarget = (typeof OUTBOUND_TARGETS)[number];
