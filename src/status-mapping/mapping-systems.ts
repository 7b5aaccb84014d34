/** Where inbound status codes come from. */
export const INBOUND_SOURCES = ['market', 'imshop_ticket', 'oms'] as const;
export type InboundSource = (typeof INBOUND_SOURCES)[number];

/** Where mapped statuses are delivered to. */
export const OUTBOUND_TARGETS = ['imshop', 'market'] as const;
export type OutboundTarget = (typeof OUTBOUND_TARGETS)[number];

/** IMSHOP ticket types; the ticket status webhook does not carry the type, so rows are keyed by it. */
export const TICKET_TYPES = ['prepare', 'ship', 'receive', 'release', 'cancel'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
