import { PageOf } from '../../common/dto/page.view';
import { ApiProperty } from '@nestjs/swagger';
import type { MarketErrorBody, MarketErrorType, MarketSuccessBody } from '../market-answer';

/** Our 200 to a notification, as Market's notification API asks (SendNotificationResponse). */
export class MarketNotificationAnswer implements MarketSuccessBody {
  @ApiProperty({ minLength: 1, maxLength: 100, example: '0.1.0', description: 'The integration version (the package version)' })
  version: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'order-sync', description: 'The integration name' })
  name: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z', description: 'When we started processing the notification (UTC)' })
  time: string;
}

export class MarketErrorDetail {
  @ApiProperty({ enum: ['UNKNOWN', 'WRONG_EVENT_FORMAT', 'DUPLICATED_EVENT'], example: 'WRONG_EVENT_FORMAT' })
  type: MarketErrorType;

  @ApiProperty({ example: 'orderId is required' })
  message: string;
}

/** Every error answer under /market, in Market's shape (SendNotificationErrorResponse). */
export class MarketNotificationError implements MarketErrorBody {
  @ApiProperty({ type: MarketErrorDetail })
  error: MarketErrorDetail;
}

/** A stored notification, as GET /admin/market/events lists it. */
export class MarketEventView {
  @ApiProperty({ example: '17' }) id: string;
  @ApiProperty({ example: 'market:ORDER_STATUS_UPDATED:46830651:PROCESSING:STARTED:2022-12-29T18:02:01Z' }) dedupeKey: string;
  @ApiProperty({ example: 'ORDER_STATUS_UPDATED', description: 'As Market sent it, known or not' }) notificationType: string;
  @ApiProperty({ example: true, description: 'A type this version knows (an unknown one is stored and answered 200)' }) known: boolean;
  @ApiProperty({ example: 'applied', description: 'Its effect on the order: applied, stale, unmapped, ..., or stored (no order)' }) outcome: string;
  @ApiProperty({ type: 'string', nullable: true, example: '21683701' }) campaignId: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '46830651' }) orderId: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2022-12-29T18:02:01.000Z' }) eventAt: Date | null;
  @ApiProperty({ format: 'date-time', example: '2022-12-29T18:02:02.000Z' }) receivedAt: Date;
  @ApiProperty({ type: 'integer', example: 0, description: 'How often Market delivered it again' }) duplicateCount: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) lastDuplicateAt: Date | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The notification as received',
    example: { notificationType: 'ORDER_STATUS_UPDATED', orderId: 46830651 },
  })
  payload: unknown;
}

export class MarketEventPage extends PageOf(MarketEventView) {}

/** A return or non-purchase of a Market order (ORDER_RETURN_CREATED / ORDER_RETURN_STATUS_UPDATED). */
export class MarketReturnView {
  @ApiProperty({ example: '4' }) id: string;
  @ApiProperty({ example: '21683701' }) campaignId: string;
  @ApiProperty({ example: '46830651' }) orderId: string;
  @ApiProperty({ example: '10437821' }) returnId: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'RETURN' }) returnType: string | null;
  @ApiProperty({ type: 'array', nullable: true, items: { type: 'object', additionalProperties: true }, example: [{ offerId: 'SKU-12345', count: 1 }] })
  items: unknown;
  @ApiProperty({ type: 'string', nullable: true, example: 'REFUND_IN_PROGRESS' }) refundStatus: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2022-12-29T18:02:01.000Z' }) refundStatusAt: Date | null;
  @ApiProperty({ type: 'string', nullable: true, example: null }) shipmentStatus: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) shipmentStatusAt: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2017-11-21T00:00:00.213Z' }) createdAtMarket: Date | null;
}
