import { PageQuery } from '../../common/page';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ORDER_STATUSES, type OrderStatus } from '../order-status';
import { HISTORY_OUTCOMES } from '../order-history.entity';
import { APPLY_OUTCOMES, type ApplyOutcome } from '../status-event';

export class ListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, example: 'PROCESSING' })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ example: 'market', description: 'Orders that received at least one event from this source' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  source?: string;

  @ApiPropertyOptional({ example: '12345', description: 'OMS order number, IMSHOP uuid or Market order id' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  externalId?: string;
}

export class AdminStatusChangeDto {
  @ApiProperty({ enum: ORDER_STATUSES, example: 'PROCESSING' })
  @IsIn(ORDER_STATUSES)
  status: OrderStatus;

  @ApiProperty({ example: 'Buyer asked to reopen the order by phone', description: 'Kept in the order history' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(400)
  reason: string;

  @ApiPropertyOptional({ example: false, description: 'Bypass the state machine (e.g. DELIVERED back to PROCESSING)' })
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

/** One line of an order. */
export class OrderItemView {
  @ApiProperty({ example: 'SKU-12345', description: "The retailer's SKU (Market's offerId)" }) sku: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'Кружка белая 0,3 л' }) name: string | null;
  @ApiProperty({ type: 'integer', example: 2 }) count: number;
  @ApiProperty({ type: 'number', nullable: true, example: 1490, description: "What the buyer pays for one unit, when a source said (Market's details)" })
  price: number | null;
  @ApiProperty({ type: 'number', nullable: true, example: 2980, description: 'What the buyer pays for the line, when a source said' }) total: number | null;
}

export class OrderView {
  @ApiProperty({ example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10' }) id: string;
  @ApiPropertyOptional({ type: 'string', example: '05671863', nullable: true }) omsOrderNumber: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195', nullable: true }) imshopUuid: string | null;
  @ApiPropertyOptional({ type: 'string', example: '1234567', nullable: true }) marketCampaignId: string | null;
  @ApiPropertyOptional({ type: 'string', example: '987654321', nullable: true }) marketOrderId: string | null;
  @ApiProperty({ enum: ORDER_STATUSES, example: 'READY_TO_SHIP' }) status: OrderStatus;
  @ApiPropertyOptional({ type: 'string', example: 'market', nullable: true }) statusSource: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'PROCESSING', nullable: true }) sourceStatus: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'READY_TO_SHIP', nullable: true }) sourceSubstatus: string | null;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', example: '2026-11-24T12:00:00.000Z', nullable: true }) statusEventAt: Date | null;
  @ApiPropertyOptional({ type: 'string', example: null, nullable: true }) trackingNumber: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'https://www.cdek.ru/ru/tracking?order_id=1234567890', nullable: true }) trackingUrl: string | null;
  @ApiProperty({ type: () => OrderItemView, isArray: true, description: "The order's lines, as far as a source told them" })
  items: readonly OrderItemView[];
  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    example: null,
    nullable: true,
    description: "The buyer asked to cancel (Market's ORDER_CANCELLATION_REQUEST); the order is not cancelled by it",
  })
  cancellationRequestedAt: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T11:58:00.000Z' }) createdAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) updatedAt: Date;
  @ApiProperty({ example: 3 }) version: number;
}

/** One row of an order's history: an event from a source and what it did to the order. */
export class OrderHistoryView {
  @ApiProperty({ example: '118' }) id: string;
  @ApiProperty({ format: 'uuid', example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10' }) orderId: string;
  @ApiProperty({ example: 'market', description: 'market, imshop_ticket, imshop_app, oms, admin, market_reconcile, ...' }) source: string;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'market:ORDER_STATUS_UPDATED:46830651:PROCESSING:STARTED:2022-12-29T18:02:01Z' }) dedupeKey:
    string | null;
  @ApiProperty({ enum: HISTORY_OUTCOMES, example: 'applied' }) outcome: string;
  @ApiPropertyOptional({ enum: ORDER_STATUSES, nullable: true, example: 'NEW' }) fromStatus: OrderStatus | null;
  @ApiPropertyOptional({ enum: ORDER_STATUSES, nullable: true, example: 'PROCESSING' }) toStatus: OrderStatus | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'PROCESSING' }) externalCode: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'STARTED' }) externalSubstatus: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2022-12-29T18:02:01.000Z' }) eventAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2022-12-29T18:02:02.000Z' }) receivedAt: Date;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: null }) note: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The source payload, as received (keys removed)',
    example: { notificationType: 'ORDER_STATUS_UPDATED', orderId: 46830651 },
  })
  payload: unknown;
}

/**
 * One order with its history and what other modules know of it (through the order.details channel): each
 * section's schema is its module's own view, named here.
 */
export class OrderDetailView extends OrderView {
  @ApiProperty({ type: OrderHistoryView, isArray: true, description: 'Every status event, oldest first' }) history: OrderHistoryView[];
  @ApiPropertyOptional({
    allOf: [{ $ref: getSchemaPath('MarketOrderDetailsView') }],
    nullable: true,
    description: 'What Market told us of the order (null: not fetched)',
  })
  marketDetails: unknown;
  @ApiProperty({ type: 'array', items: { $ref: getSchemaPath('ImshopTicketView') }, description: "The order's IMSHOP tickets" }) imshopTickets: unknown[];
  @ApiProperty({ type: 'array', items: { $ref: getSchemaPath('MarketReturnView') }, description: "The order's Market returns" }) marketReturns: unknown[];
}

/** What a status set by hand did: the outcome (as for a webhook), why, and the order after it. */
export class AdminStatusChangeResult {
  @ApiProperty({ enum: APPLY_OUTCOMES, example: 'applied' }) outcome: ApplyOutcome;
  @ApiPropertyOptional({ example: 'DELIVERED cannot go back to PROCESSING without override', description: 'Why it was not applied' }) reason?: string;
  @ApiProperty({ type: OrderView }) order: OrderView;
}

export class OrderPage {
  @ApiProperty({ type: OrderView, isArray: true }) items: OrderView[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 50 }) limit: number;
}
