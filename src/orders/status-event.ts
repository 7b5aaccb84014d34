import { HISTORY_OUTCOMES } from './order-history.entity';
import type { OrderChanged } from './order-events';
import type { OrderSource } from './order-source';
import type { OrderStatus } from './order-status';
import type { OrderItem, OrderView } from './order-view';

/** The external identities an event can name its order by; at least one is required. */
export interface OrderIdentity {
  /** Our own id: names an existing order only, never creates one. */
  id?: string;
  omsOrderNumber?: string;
  imshopUuid?: string;
  market?: { campaignId: string; orderId: string };
}

export interface StatusEvent {
  /** Who reports it (its codes are read by that source's mapping rows: see order-source.ts). */
  source: OrderSource;
  identity: OrderIdentity;
  /** Unique per event: a repeat is recognised and changes nothing. */
  dedupeKey?: string;
  /**
   * When the event happened at the source. Without it the event happened as it arrived (OMS, app, admin, our
   * own follow-ups): after everything applied so far, so it is never stale.
   */
  eventAt?: Date;
  externalCode?: string;
  externalSubstatus?: string;
  ticketType?: string;
  /** Set to skip the mapping table (admin, or a caller that resolved it); null = no status change. */
  internalStatus?: OrderStatus | null;
  /** Admin only: bypass the state machine. */
  override?: boolean;
  trackingNumber?: string;
  trackingUrl?: string;
  items?: OrderItem[];
  cancellationRequestedAt?: Date;
  /**
   * A message to pass on to outbound targets exactly as given, whatever the outcome (the retailer's
   * OMS reports its own codes; we relay them reliably rather than re-deriving them).
   */
  relay?: Record<string, unknown>;
  /** What the source sent, kept in the order's history for the record (nobody acts on it: see OrderChanged). */
  payload?: unknown;
  note?: string;
  /**
   * A stored event applied again (POST /admin/events/replay, or an IMSHOP ticket's statuses once we learn its
   * type): the status rules are the same, but the work its first application started (a cancellation answer,
   * a detail fetch, a store ticket) is not started again.
   */
  replay?: boolean;
  /** The request that carried the event, when several share a transaction: work done for it is logged under it. */
  requestId?: string;
}

/** What applying an event did: a history outcome, or `duplicate` (the event was applied before). */
export const APPLY_OUTCOMES = [...HISTORY_OUTCOMES, 'duplicate'] as const;
export type ApplyOutcome = (typeof APPLY_OUTCOMES)[number];

export interface ApplyResult {
  duplicate: boolean;
  created: boolean;
  outcome: ApplyOutcome;
  statusChanged: boolean;
  order: OrderView;
  fromStatus: OrderStatus | null;
  historyId?: string;
  reason?: string;
  /** The mapping row said this code deserves an operator's attention. */
  attention?: boolean;
  /** The change as its listeners heard of it (ORDER_CHANGED); absent for a repeat, which changes nothing. */
  change?: OrderChanged;
}
