import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-error';
import { TicketWithdrawalService } from '../imshop-tickets/ticket-withdrawal.service';
import { checkTransition, type OrderStatus } from '../orders/order-status';
import { OrdersService } from '../orders/orders.service';
import type { OrderView } from '../orders/order-view';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { AppCancellationResponse, buildCancellationResponse, normaliseCancellation } from './dto/app-cancellation.dto';

export const ORDER_NOT_FOUND_MESSAGE = 'Заказ не найден';

/**
 * Why the app may not cancel an order in this status, in Russian (IMSHOP shows it to the buyer); null when it may.
 * The buyer may cancel in the app only while the order is still in the store. Once it is handed to delivery
 * the state machine would still allow a cancellation (Market cancels orders in delivery), but the buyer then
 * refuses the order at delivery or pickup instead; the app button is refused with a reason.
 */
export function appCancellationRefusal(status: OrderStatus): string | null {
  if (status === 'CANCELLED') return null;
  if (status === 'SHIPPED' || status === 'PARTIALLY_SHIPPED') return 'Заказ уже передан в доставку, отменить его нельзя';
  if (status === 'READY_FOR_PICKUP') return 'Заказ уже ждёт вас в пункте выдачи, отменить его нельзя. Если он вам не нужен, просто не забирайте его';
  if (checkTransition(status, 'CANCELLED').allowed) return null;
  switch (status) {
    case 'DELIVERED':
    case 'PARTIALLY_DELIVERED':
      return 'Заказ уже получен, отменить его нельзя';
    case 'NOT_REDEEMED':
    case 'RETURNED':
    case 'PARTIALLY_RETURNED':
      return 'Заказ уже завершён, отменить его нельзя';
    default:
      return 'Этот заказ отменить нельзя';
  }
}

class Refused extends Error {
  constructor(readonly answer: string) {
    super(answer);
  }
}

/**
 * IMSHOP app → us: the buyer pressed "cancel". Cancels the order through the orders service (state machine,
 * history with the reason), answers with the outbound mapping of CANCELLED, and then withdraws the order's
 * open tickets through IMSHOP's ticket API (after the commit, best effort: the answer does not wait for it).
 */
@Injectable()
export class AppCancellationService implements OnApplicationShutdown {
  private readonly logger = new Logger('ImshopAppCancel');
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly orders: OrdersService,
    private readonly mappings: StatusMappingService,
    private readonly tickets: TicketWithdrawalService,
  ) {}

  async cancel(body: unknown): Promise<AppCancellationResponse> {
    const request = normaliseCancellation(body);
    if (!request.ok) throw new InvalidInputError([request.message]);
    const identity = request.orderRef;

    const found = await this.orders.findByIdentity(identity);
    if (!found) {
      this.logger.warn(`app cancellation of an unknown order ${JSON.stringify(identity)}`);
      return buildCancellationResponse({ success: false, message: ORDER_NOT_FOUND_MESSAGE });
    }
    if (found.status !== 'CANCELLED') {
      const refusal = appCancellationRefusal(found.status);
      if (refusal) return this.refuse(found, refusal);
      try {
        // The order row is locked inside applyStatus; a status that changed meanwhile is judged again there.
        await this.orders.transaction(async (tx) => {
          const result = await this.orders.applyStatus(
            {
              source: 'imshop_app',
              identity: { ...identity, id: found.id },
              internalStatus: 'CANCELLED',
              dedupeKey: `imshop_app:cancel:${found.id}`,
              // No eventAt: the buyer's decision is now, and an event of ours never loses to a peer's clock that ran ahead.
              externalCode: 'canceled',
              note: request.reason ? `buyer cancelled in the app: ${request.reason}` : 'buyer cancelled in the app',
              payload: withoutKey(body as Record<string, unknown>),
            },
            tx,
          );
          if (result.duplicate || result.outcome === 'unchanged' || result.outcome === 'applied') {
            const late = result.fromStatus && result.statusChanged ? appCancellationRefusal(result.fromStatus) : null;
            if (late) throw new Refused(late); // rolls the change back
            return;
          }
          throw new Refused(result.fromStatus ? (appCancellationRefusal(result.fromStatus) ?? 'Этот заказ отменить нельзя') : 'Этот заказ отменить нельзя');
        });
      } catch (error) {
        if (error instanceof Refused) return this.refuse(found, error.answer);
        throw error;
      }
      this.logger.log(`order ${found.omsOrderNumber ?? found.id} cancelled by the buyer in the app`);
    }

    if (found.omsOrderNumber) this.withdrawTickets(found.omsOrderNumber, request.reason);
    const outbound = await this.mappings.resolveOutbound('imshop', 'CANCELLED');
    return buildCancellationResponse({ success: true, status: outbound?.code, message: outbound?.message ?? undefined });
  }

  /** Waits for ticket withdrawals still running, so a shutdown does not cut them off half-way. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  private refuse(order: OrderView, message: string): AppCancellationResponse {
    this.logger.log(`app cancellation of order ${order.omsOrderNumber ?? order.id} (${order.status}) refused: ${message}`);
    return buildCancellationResponse({ success: false, message });
  }

  private withdrawTickets(omsOrderNumber: string, reason?: string): void {
    const work = this.tickets
      .cancelOpenTicketsForOrder(omsOrderNumber, reason ? `Покупатель отменил заказ: ${reason}` : 'Покупатель отменил заказ')
      .then(({ cancelled, failed }) => {
        if (cancelled.length) this.logger.log(`order ${omsOrderNumber}: withdrew tickets ${cancelled.join(', ')}`);
        if (failed.length) this.logger.warn(`order ${omsOrderNumber}: could not withdraw tickets ${failed.join(', ')} (retried on the next cancellation)`);
      })
      .catch((error: unknown) => this.logger.error(`order ${omsOrderNumber}: withdrawing tickets failed: ${(error as Error).message}`))
      .finally(() => this.background.delete(work));
    this.background.add(work);
  }
}

function withoutKey(body: Record<string, unknown>): Record<string, unknown> {
  const { key: _key, ...rest } = body;
  return rest;
}
