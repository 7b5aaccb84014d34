import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { GroupCommit } from '../common/group-commit';
import type { Tx } from '../database/transaction';
import { Channels } from '../events/channels';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { MetricsService } from '../metrics/metrics.service';
import { StatusMappingService, type InboundResolver } from '../status-mapping/status-mapping.service';
import { decideStatusEvent, identityKeys, needsMapping, splitRound, type Decision } from './order-decision';
import { ORDER_CHANGED, type OrderChanged } from './order-events';
import type { HistoryOutcome } from './order-history.entity';
import { mappingSourceOf } from './order-source';
import type { Order } from './order.entity';
import type { OrderStatus } from './order-status';
import { OrdersRepository } from './orders.repository';
import type { ApplyResult, OrderIdentity, StatusEvent } from './status-event';

export type { ApplyResult, OrderIdentity, StatusEvent } from './status-event';
export type { OrderChanged } from './order-events';
export type { OrderSource } from './order-source';

type Pending = { event: StatusEvent; index: number };

/**
 * The one way an order's status changes (applyStatus), and the lookup of an order by its identities. The
 * rules of what an event does are order-decision.ts; this service locks, decides, writes and tells the
 * handlers of ORDER_CHANGED, inside the transaction.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly mappings: StatusMappingService,
    private readonly metrics: MetricsService,
    private readonly channels: Channels,
  ) {}

  /**
   * The one way an order's status changes. In one transaction, with the order row locked:
   * dedupe by key, resolve the code through the mapping table, skip events older than the last
   * applied one, enforce the state machine, and write a history row whatever the outcome.
   * Pass `tx` to join a caller's transaction (e.g. an inbox insert that must commit with it).
   */
  async applyStatus(event: StatusEvent, tx?: Tx): Promise<ApplyResult> {
    if (!tx) return this.grouped.submit({ ...event, requestId: event.requestId ?? currentRequestId() });
    return (await this.applyStatusBatch([event], tx))[0];
  }

  /** A transaction of the orders' own, for a caller with no tables of its own that must commit several things or none. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.repository.transaction(work);
  }

  /**
   * Events applied at the same moment without a caller's transaction (OMS reports, admin changes, follow-ups of
   * deliveries) share one (group commit): under load, a transaction's round trips are shared; with no load an
   * event goes alone at once. A batch that fails is applied again one event at a time, so each gets its own answer.
   */
  private readonly grouped = new GroupCommit((events: StatusEvent[]) => this.repository.transaction((tx) => this.applyStatusBatch(events, tx)), {
    maxBatch: 64,
    maxInFlight: 2,
  });

  /**
   * applyStatus for many events in the caller's transaction, with the same outcome as applying them one
   * by one in this order, but in two statements per round instead of two per event: round trips are what
   * an event costs (each is a socket write and a wake-up of a PostgreSQL backend). A round takes at most one
   * event per order; an event naming an order already in the round waits for the next one. Orders are
   * locked in the events' order, so callers that sort events by order keep concurrent batches from
   * waiting on each other in a cycle.
   */
  async applyStatusBatch(events: StatusEvent[], tx: Tx): Promise<ApplyResult[]> {
    if (events.some((event) => identityKeys(event.identity).length === 0)) throw new Error('an order event must name the order by at least one identity');
    const results: ApplyResult[] = new Array(events.length);
    let pending: Pending[] = events.map((event, index) => ({ event, index }));
    while (pending.length > 0) {
      const { round, later } = splitRound(pending);
      const retry = await this.applyRound(round, tx, results);
      pending = [...retry, ...later].sort((a, b) => a.index - b.index);
    }
    return results;
  }

  /** The order any of the identities names, without locking it; pass `tx` to read in a transaction. */
  findByIdentity(identity: OrderIdentity, tx?: Tx): Promise<Order | null> {
    return this.repository.findByIdentity(identity, tx?.manager);
  }

  /** The statuses the order was moved to before its history row `beforeHistoryId` (in the caller's transaction). */
  statusesReachedBefore(orderId: string, beforeHistoryId: string, tx: Tx): Promise<OrderStatus[]> {
    return this.repository.statusesReachedBefore(tx.manager, orderId, beforeHistoryId);
  }

  /** One round: lock, decide in memory, write. Returns the events to apply again in a later round. */
  private async applyRound(round: Pending[], tx: Tx, results: ApplyResult[]): Promise<Pending[]> {
    // The mapping table is checked once per transaction, and only when an event has a code to look up.
    const resolve = round.some(({ event }) => needsMapping(event)) ? await this.mappings.inboundResolver(tx) : undefined;
    const locked = await this.repository.lockByIdentities(
      tx.manager,
      round.map(({ event }) => event),
    );
    const now = new Date();
    const retry: Pending[] = [];
    const decided: { entry: Pending; decision: Decision }[] = [];
    const ordersInRound = new Set<string>();
    for (const [i, entry] of round.entries()) {
      const { order, seen } = locked[i];
      // Two identities of one order (its OMS number and its Market id, say) in one round: the second waits.
      if (order && ordersInRound.has(order.id)) {
        retry.push(entry);
        continue;
      }
      if (order) ordersInRound.add(order.id);
      if (order && seen) {
        results[entry.index] = { duplicate: true, created: false, outcome: 'duplicate', statusChanged: false, order, fromStatus: order.status };
        continue;
      }
      if (!order && entry.event.identity.id) throw new NotFoundError(`order ${entry.event.identity.id} does not exist`);
      decided.push({ entry, decision: this.decide(entry.event, order, now, resolve) });
    }
    if (decided.length === 0) return retry;

    const written = await this.repository.writeOrders(
      tx.manager,
      decided.map(({ decision }) => decision),
    );
    for (const [i, { entry, decision }] of decided.entries()) {
      const historyId = written[i];
      // Another transaction created the same order after our lookup (its insert won the unique index and
      // ours waited for it): the order exists now, so the event is applied to it like to any other.
      if (historyId === null) {
        retry.push(entry);
        continue;
      }
      const change: OrderChanged = {
        order: decision.result.order,
        source: entry.event.source,
        historyId,
        outcome: decision.result.outcome as HistoryOutcome,
        from: decision.result.fromStatus,
        statusChanged: decision.result.statusChanged,
        created: decision.result.created,
        replay: entry.event.replay === true,
        relay: entry.event.relay,
      };
      results[entry.index] = { ...decision.result, historyId, change };
      await withRequestId(entry.event.requestId, () => this.channels.publish(ORDER_CHANGED, { change, tx }));
    }
    return retry;
  }

  private decide(event: StatusEvent, order: Order | null, now: Date, resolve: InboundResolver | undefined): Decision {
    const mapping = needsMapping(event)
      ? resolve!({ source: mappingSourceOf(event.source)!, code: event.externalCode!, substatus: event.externalSubstatus, ticketType: event.ticketType })
      : undefined;
    const decision = decideStatusEvent(event, order, { now, mapping });
    if (decision.result.outcome === 'unmapped') this.metrics.mappingMisses.inc({ source: mappingSourceOf(event.source) ?? event.source });
    return decision;
  }
}
