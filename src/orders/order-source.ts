import type { InboundSource } from '../status-mapping/mapping-systems';

/** Who reports a change of an order. A closed set: a new source is a compiler error wherever sources are judged. */
export const ORDER_SOURCES = ['market', 'market_poll', 'market_api', 'imshop_ticket', 'imshop_app', 'oms', 'admin'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

/** The peers order-sync tells of an order's changes. */
export type Peer = 'market' | 'imshop_app';

interface SourceRules {
  /** The mapping rows that read a code this source reports (the pull reads Market's codes); null: it names statuses itself. */
  mapping: InboundSource | null;
  /** The peers that already know of a change from this source: telling them would only echo it back. */
  knownTo: readonly Peer[];
}

/** The one place a source's changes are judged: which mapping rows read its codes, and who already knows of them. */
const SOURCES: Readonly<Record<OrderSource, SourceRules>> = {
  market: { mapping: 'market', knownTo: ['market'] },
  // The reconciliation pull: what Market says, read a different way.
  market_poll: { mapping: 'market', knownTo: ['market'] },
  // The Market loop's own writes (an accepted cancellation, details fetched, the OMS number it gave).
  market_api: { mapping: 'market', knownTo: ['market'] },
  imshop_ticket: { mapping: 'imshop_ticket', knownTo: [] },
  // The buyer's cancellation in the app.
  imshop_app: { mapping: null, knownTo: ['imshop_app'] },
  oms: { mapping: 'oms', knownTo: [] },
  admin: { mapping: null, knownTo: [] },
};

/** The mapping rows that read a code `source` reports. */
export function mappingSourceOf(source: OrderSource): InboundSource | null {
  return SOURCES[source].mapping;
}

/** Whether `peer` already knows of a change that came from `source` (so it is not told: no echo). */
export function alreadyKnows(peer: Peer, source: OrderSource): boolean {
  return SOURCES[source].knownTo.includes(peer);
}
