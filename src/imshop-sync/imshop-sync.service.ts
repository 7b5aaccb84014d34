import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Handles } from '../events/channels';
import type { Tx } from '../database/transaction';
import { ORDER_CHANGED } from '../orders/order-events';
import { alreadyKnows } from '../orders/order-source';
import { OrdersService, type OrderChanged } from '../orders/orders.service';
import { RETRY_SCHEDULE_MS } from '../outbox/backoff';
import { SendsDeliveries, type SendAttempt, type SendResult } from '../outbox/delivery-targets';
import { OutboxService } from '../outbox/outbox.service';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { ImshopClient } from '../imshop-client/imshop.client';
import type { OmsStatusAnswer, OrderStatusUpdateDto } from './dto/order-status-update.dto';
import { buildStatusPush, parseImshopStatusResponse, type ImshopStatusPushBody } from './imshop-payloads';

declare module '../outbox/delivery-targets' {
  interface DeliveryPayloads {
    /** A status push to IMSHOP's status sync API. */
    imshop: ImshopStatusPushBody;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Pushes the retailer's order statuses to IMSHOP: decides, inside the transaction of each change,
 * whether IMSHOP must hear of it and with which code, and sends it when the outbox's worker asks.
 */
@Injectable()
export class ImshopSyncService implements OnModuleInit {
  private readonly logger = new Logger('ImshopSync');

  constructor(
    private readonly orders: OrdersService,
    private readonly outbox: OutboxService,
    private readonly mappings: StatusMappingService,
    private readonly client: ImshopClient,
  ) {}

  onModuleInit(): void {
    if (!this.client.statusPushConfigured) this.logger.log('IMSHOP status push is off (set IMSHOP_API_KEY and IMSHOP_STATUS_URL)');
  }

  /**
   * The OMS reports a status in IMSHOP's own request shape. It is recorded on the order through the
   * mapping table (an unknown code changes nothing but is kept) and relayed to IMSHOP as given.
   */
  async reportOmsStatus(dto: OrderStatusUpdateDto, idempotencyKey?: string): Promise<OmsStatusAnswer> {
    const byUuid = UUID.test(dto.id) ? await this.orders.findByIdentity({ imshopUuid: dto.id }) : null;
    const identity = byUuid ? { id: byUuid.id } : { omsOrderNumber: dto.id };
    const result = await this.orders.applyStatus({
      source: 'oms',
      identity,
      // The order history's unique dedupe key makes a repeat a no-op: nothing applied, nothing relayed again.
      dedupeKey: idempotencyKey === undefined ? undefined : `oms:${idempotencyKey}`,
      externalCode: dto.code,
      trackingUrl: dto.trackingUrl,
      relay: { code: dto.code, message: dto.message, trackingUrl: dto.trackingUrl, userId: dto.userId, payment: dto.payment },
      payload: dto,
    });
    return {
      success: true,
      internalId: result.order.omsOrderNumber ?? dto.id,
      uuid: result.order.imshopUuid ?? undefined,
      newStatus: dto.code,
      message: dto.message,
      outcome: result.outcome,
    };
  }

  /** Inside the transaction of every order change: writes the IMSHOP push it calls for, if any. */
  @Handles(ORDER_CHANGED)
  async onOrderChanged({ change, tx }: { change: OrderChanged; tx: Tx }): Promise<void> {
    if (!this.client.statusPushConfigured || alreadyKnows('imshop_app', change.source)) return;
    const { order } = change;
    // Since 2021 IMSHOP identifies an order by the retailer's number; a Market-only order is not IMSHOP's.
    const orderNumber = order.omsOrderNumber ?? order.imshopUuid;
    if (!orderNumber) return;
    // A Market order gets an OMS number for store tickets, but it is not in the app: IMSHOP's status
    // sync only hears of orders the app knows (placed there, or linked to an IMSHOP uuid).
    if (order.marketOrderId && !order.imshopUuid) return;
    let body: ImshopStatusPushBody;
    // An OMS status older than the order's last one (stale), or one the state machine refused, would move IMSHOP
    // back: it is kept in the order's history, and a push already waiting (a newer status) is left to go out.
    if (change.relay && (change.outcome === 'stale' || change.outcome === 'rejected')) {
      this.logger.log(`order ${order.id}: the OMS status ${String(change.relay.code)} was ${change.outcome}, so it is not relayed to IMSHOP`);
      return;
    }
    if (change.relay) {
      body = buildStatusPush({ ...(change.relay as { code: string }), orderNumber });
    } else if (change.statusChanged) {
      const mapped = await this.mappings.resolveOutbound('imshop', order.status, tx);
      if (!mapped) {
        this.logger.warn(`no outbound imshop mapping for ${order.status}: order ${order.id} not pushed`);
        return;
      }
      body = buildStatusPush({ orderNumber, code: mapped.code, message: mapped.message ?? undefined, trackingUrl: order.trackingUrl ?? undefined });
    } else {
      return;
    }
    this.outbox.write(tx, { orderId: order.id, target: 'imshop', changeSeq: change.historyId, internalStatus: order.status, payload: body });
  }

  /** IMSHOP sets each status on its own: only the newest one of an order needs to arrive; retried on the documented schedule. */
  @SendsDeliveries('imshop', { ordering: 'newest-wins', retrySchedule: RETRY_SCHEDULE_MS })
  async send({ body, signal }: SendAttempt<ImshopStatusPushBody>): Promise<SendResult> {
    const answer = await this.client.pushStatus(body, signal);
    const verdict = parseImshopStatusResponse(answer.status, answer.body);
    return {
      outcome: verdict.ok ? 'sent' : verdict.retryable ? 'retry' : 'dead',
      statusCode: answer.status,
      latencyMs: answer.latencyMs,
      // A status of 0 has only the client's reason; an answer has IMSHOP's, and maybe ours about it (a redirect, a cut body).
      error: answer.status === 0 ? answer.error : [verdict.ok ? undefined : verdict.error, answer.error].filter(Boolean).join('; ') || undefined,
      response: answer.body,
      responseText: answer.text,
      retryAfterSeconds: answer.retryAfterSeconds,
      notSent: answer.notSent,
    };
  }
}
