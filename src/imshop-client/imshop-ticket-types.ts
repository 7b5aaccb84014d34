/**
 * IMSHOP's ticket types (заявки: seed 000). Part of IMSHOP's vocabulary, beside its other shared rules
 * (imshop-validators.ts): the ticket registry and the status-mapping rows keyed by type both use it. The ticket
 * status webhook does not carry the type, so mapping rows are keyed by it.
 */
export const TICKET_TYPES = ['prepare', 'ship', 'receive', 'release', 'cancel'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
