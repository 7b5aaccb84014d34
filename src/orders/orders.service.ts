import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { GroupCommit } from '../common/group-commit';
import { Channels } from '../events/channels';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { MetricsService } from '../metrics/metrics.service';
import { StatusMappingService, type InboundResolver } from '../status-mapping/status-mapping.service';
import { decideStatusEvent, identityKeys, mappingSourceOf, needsMapping, splitRound, type Decision } from './order-decision';
import { ORDER_CHANGED } from './order-events';
import type { Order } from './order.entity';
import type { OrderStatus } from './order-status';
import { OrdersRepository } from './orders.repository';
import type { ApplyResult, OrderIdentity, StatusEvent } from './status-event';

export type { ApplyResult, OrderIdentity, StatusEvent } from './status-event';

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
   * Pass `manager` to join a caller's transaction (e.g. an inbox insert that must commit with it).
   */
  async applyStatus(event: StatusEvent, manager?: EntityManager): Promise<ApplyResult> {
    if (!manager) return this.grouped.submit({ ...event, requestId: event.requestId ?? currentRequestId() });
    return (await this.applyStatusBatch([event], manager))[0];
  }

  /**
   * Events applied at the same moment without a caller's transaction (OMS reports, admin changes, follow-ups of
   * deliveries) share one (group commit): under load, a transaction's round trips are shared; with no load an
   * event goes alone at once. A batch that fails is applied again one event at a time, so each gets its own answer.
   */
  private readonly grouped = new GroupCommit(
    (events: StatusEvent[]) => this.repository.transaction((manager) => this.applyStatusBatch(events, manager)),
    { maxBatch: 64, maxInFlight: 2 },
  );

  /**
   * applyStatus for many events in the caller's transaction, with the same outcome as applying them one
   * by one in this order, but in two statements per round instead of two per event: round trips are what
   * an event costs (each is a socket write and a wake-up of a PostgreSQL backend). A round takes at most one
   * event per order; an event naming an order already in the round waits for the next one. Orders are
   * locked in the events' order, so callers that sort events by order keep concurrent batches from
   * waiting on each other in a cycle.
   */
  async applyStatusBatch(events: StatusEvent[], manager: EntityManager): Promise<ApplyResult[]> {
    if (events.some((event) => identityKeys(event.identity).length === 0)) throw new Error('an order event must name the order by at least one identity');
    const results: ApplyResult[] = new Array(events.length);
    let pending: Pending[] = events.map((event, index) => ({ event, index }));
    while (pending.length > 0) {
      const { round, later } = splitRound(pending);
      const retry = await this.applyRound(round, manager, results);
      pending = [...retry, ...later].sort((a, b) => a.index - b.index);
    }
    return results;
  }

  /** The order any of the identities names, without locking it; pass `manager` to read in a transaction. */
  findByIdentity(identity: OrderIdentity, manager?: EntityManager): Promise<Order | null> {
    return this.repository.findByIdentity(identity, manager);
  }

  /** The statuses the order was moved to before its history row `beforeHistoryId` (in the caller's transaction). */
  statusesReachedBefore(orderId: string, beforeHistoryId: string, manager: EntityManager): Promise<OrderStatus[]> {
    return this.repository.statusesReachedBefore(manager, orderId, beforeHistoryId);
  }

  /** One round: lock, decide in memory, write. Returns the events to apply again in a later round. */
  private async applyRound(round: Pending[], manager: EntityManager, results: ApplyResult[]): Promise<Pending[]> {
    // The mapping table is checked once per transaction, and only when an event has a code to look up.
    const resolve = round.some(({ event }) => needsMapping(event)) ? await this.mappings.inboundResolver(manager) : undefined;
    const locked = await this.repository.lockByIdentities(manager, round.map(({ event }) => event));
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

    const written = await this.repository.writeOrders(manager, decided.map(({ decision }) => decision));
    for (const [i, { entry, decision }] of decided.entries()) {
      const historyId = written[i];
      // Another transaction created the same order after our lookup (its insert won the unique index and
      // ours waited for it): the order exists now, so the event is applied to it like to any other.
      if (historyId === null) {
        retry.push(entry);
        continue;
      }
      const result: ApplyResult = { ...decision.result, historyId };
      results[entry.index] = result;
      await withRequestId(entry.event.requestId, async () => {
        await this.channels.publish(ORDER_CHANGED, { result, event: entry.event, manager });
      });
    }
    return retry;
  }

  private decide(event: StatusEvent, order: Order | null, now: Date, resolve: InboundResolver | undefined): Decision {
    const mapping = needsMapping(event)
      ? resolve!({ source: mappingSourceOf(event), code: event.externalCode!, substatus: event.externalSubstatus, ticketType: event.ticketType })
      : undefined;
    const decision = decideStatusEvent(event, order, { now, mapping });
    if (decision.result.outcome === 'unmapped') this.metrics.mappingMisses.inc({ source: mappingSourceOf(event) });
    return decision;
  }
}
