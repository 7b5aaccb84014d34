import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain-error';
import type { DeliveryAttempt } from './delivery-attempt.entity';
import type { Delivery } from './delivery.entity';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import type { RecoverDeliveriesDto } from './dto/recover-deliveries.dto';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { TargetHealthService } from './target-health.service';
import { TargetsService } from './targets.service';

export interface RecoverResult {
  target: string;
  /** Dead deliveries of the target created in the range. */
  matched: number;
  /** Given a fresh set of attempts and queued. */
  recovered: number;
  /** Left dead: their order has a newer delivery for the target. */
  superseded: number;
  /** The target is paused: the recovered deliveries wait until it is resumed. */
  targetPaused: boolean;
}

/** Rows per statement when recovering a target's deliveries. */
const BATCH = 500;

/** The admin's view of deliveries: lists, one delivery with its attempts, a retry, a recovery of dead ones. */
@Injectable()
export class DeliveriesService {
  private readonly logger = new Logger('Outbox');

  constructor(
    private readonly repository: OutboxRepository,
    private readonly outbox: OutboxService,
    private readonly targets: TargetsService,
    private readonly health: TargetHealthService,
  ) {}

  /**
   * Svix's "recover since": dead deliveries of a target created in [since, until) get a fresh set of
   * attempts, except those whose order has a newer delivery for the target (a newer status supersedes them).
   */
  async recover(dto: RecoverDeliveriesDto): Promise<RecoverResult> {
    try {
      await this.targets.assertKnown(dto.target);
    } catch (error) {
      if (error instanceof NotFoundError) throw new InvalidInputError([`target: ${error.message}`]);
      throw error;
    }
    const since = new Date(dto.since);
    const until = dto.until ? new Date(dto.until) : new Date();
    if (until <= since) throw new InvalidInputError(['until must be later than since']);
    const result: RecoverResult = { target: dto.target, matched: 0, recovered: 0, superseded: 0, targetPaused: await this.health.isPaused(dto.target) };
    let after = '0';
    for (;;) {
      const rows = await this.repository.deadInRange(dto.target, since, until, after, BATCH, this.outbox.inOrderTargets());
      result.matched += rows.length;
      const ids = rows.filter((row) => !row.superseded).map((row) => row.id);
      result.superseded += rows.length - ids.length;
      if (ids.length) {
        const reset = await this.repository.resetAttempts(ids, ['dead']);
        result.recovered += reset.length;
        if (!result.targetPaused) for (const id of reset) this.outbox.queue(id, 1, 0);
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].id;
    }
    this.logger.log(
      `recovered ${result.recovered} dead deliveries to ${dto.target} (${result.matched} matched, ${result.superseded} superseded by a newer status)`,
    );
    return result;
  }

  list(query: ListDeliveriesQuery) {
    return this.repository.list(query);
  }

  async get(id: string): Promise<Delivery & { attemptLog: DeliveryAttempt[] }> {
    const delivery = await this.repository.findById(id);
    if (!delivery) throw new NotFoundError(`delivery ${id} does not exist`);
    return Object.assign(delivery, { attemptLog: await this.repository.attemptsOf(id) });
  }

  /** Every delivery of an order with its attempts, oldest first, at most `limit` deliveries (two statements, at once). */
  async ofOrder(orderId: string, limit = 1000): Promise<(Delivery & { attemptLog: DeliveryAttempt[] })[]> {
    const [deliveries, attempts] = await Promise.all([this.repository.deliveriesOfOrder(orderId, limit), this.repository.attemptsOfOrder(orderId, limit)]);
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const attempt of attempts) byDelivery.set(attempt.deliveryId, [...(byDelivery.get(attempt.deliveryId) ?? []), attempt]);
    return deliveries.map((delivery) => Object.assign(delivery, { attemptLog: byDelivery.get(delivery.id) ?? [] }));
  }

  /** Orders with a delivery retrying, dead or waiting for a paused target, most recently changed first. */
  stuckOrderIds(limit: number): Promise<string[]> {
    return this.repository.stuckOrderIds(limit);
  }

  /** What is stuck of each of the orders: target, state, and whether the target is paused, each once per order. */
  stuckDeliveriesOf(orderIds: string[]) {
    return this.repository.stuckDeliveriesOf(orderIds);
  }

  /** Gives a dead (or superseded) delivery a fresh set of attempts. */
  async retry(id: string): Promise<Delivery> {
    const delivery = await this.repository.findById(id);
    if (!delivery) throw new NotFoundError(`delivery ${id} does not exist`);
    if (delivery.state === 'sent') throw new ConflictError(`delivery ${id} was already sent`);
    if (delivery.state !== 'dead' && delivery.state !== 'superseded') throw new ConflictError(`delivery ${id} is already waiting for its next attempt`);
    if ((await this.repository.resetAttempts([id], ['dead', 'superseded'])).length === 0)
      throw new ConflictError(`delivery ${id} changed meanwhile; read it again`);
    this.outbox.queue(id, 1, 0);
    return (await this.repository.findById(id))!;
  }
}
