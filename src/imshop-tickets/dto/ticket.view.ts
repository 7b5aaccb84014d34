import { PageOf } from '../../common/dto/page.view';
import { ApiProperty } from '@nestjs/swagger';
import { CreateTicketResponse } from './create-ticket.dto';

/** A ticket of the registry: one we created, or one IMSHOP told us about. */
export class ImshopTicketView {
  @ApiProperty({ format: 'uuid', example: '7d1b0c0e-3b7a-4d8e-9a51-6b2c1f0e4a11' }) id: string;
  @ApiProperty({ example: 'rsp-1746761', description: "IMSHOP's ticketId" }) imshopTicketId: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'prepare', description: 'null: a ticket we did not create whose type is not known' }) type:
    string | null;
  @ApiProperty({ example: 'a-12345' }) omsOrderNumber: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10', description: 'Our order, when it is known' })
  orderId: string | null;
  @ApiProperty({ example: '16784' }) storeId: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'created', description: 'The last status IMSHOP reported (created when we created it)' }) status:
    string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T12:00:00.000Z' }) statusAt: Date | null;
  @ApiProperty({ example: true }) createdByUs: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The ticket request sent to IMSHOP (without keys)',
    example: { type: 'prepare', orderId: 'a-12345', storeId: '16784' },
  })
  request: unknown;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    nullable: true,
    description: 'Items the store could not find (partiallyDone)',
    example: null,
  })
  unavailableItems: unknown;
  @ApiProperty({ type: 'string', nullable: true, example: null }) trackingNumber: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: null }) deliveryOrderId: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: null, description: "A cancel ticket: IMSHOP's id of the ticket it withdraws" }) cancelsTicketId:
    string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) cancelRequestedAt: Date | null;
  @ApiProperty({ example: false }) closed: boolean;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) createdAt: Date;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) updatedAt: Date;
}

/** One status IMSHOP reported for a ticket, and what it did to the order. */
export class ImshopTicketEventView {
  @ApiProperty({ example: '9' }) id: string;
  @ApiProperty({ format: 'uuid', example: '7d1b0c0e-3b7a-4d8e-9a51-6b2c1f0e4a11' }) ticketId: string;
  @ApiProperty({ example: 'done' }) status: string;
  @ApiProperty({ type: 'string', nullable: true, example: null }) step: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:30:00.000Z' }) eventAt: Date;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:30:01.000Z' }) receivedAt: Date;
  @ApiProperty({ example: 'imshop_ticket:rsp-1746761:done:1764000000' }) dedupeKey: string;
  @ApiProperty({ example: 'applied', description: 'Its outcome in the order history' }) outcome: string;
  @ApiProperty({ type: 'string', nullable: true, example: null }) note: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The webhook body (without the key)',
    example: { ticketId: 'rsp-1746761', status: 'done' },
  })
  payload: unknown;
}

export class ImshopTicketDetailView extends ImshopTicketView {
  @ApiProperty({ type: ImshopTicketEventView, isArray: true, description: 'Oldest first' }) events: ImshopTicketEventView[];
}

export class ImshopTicketPage extends PageOf(ImshopTicketView) {}

/** POST /tickets: our ticket, and IMSHOP's answer as it came. */
export class CreatedTicketView {
  @ApiProperty({ type: ImshopTicketView }) ticket: ImshopTicketView;
  @ApiProperty({
    type: 'object',
    properties: {
      success: { type: 'boolean' },
      ticketId: { type: 'string' },
      status: { type: 'string' },
      errorCode: { type: 'string' },
      errorMessage: { type: 'string' },
    },
    additionalProperties: true,
    description: "IMSHOP's answer as it came: its CreateTicketResponse fields when IMSHOP keeps to it, and whatever else it sent",
  })
  imshop: Partial<CreateTicketResponse>;
}

/** 502 of POST /tickets: IMSHOP refused the ticket or did not answer; its answer under `imshop`. */
export class TicketRefusedError {
  @ApiProperty({ type: 'integer', example: 502 }) statusCode: number;
  @ApiProperty({ example: 'Bad Gateway' }) error: string;
  @ApiProperty({ example: 'IMSHOP refused the ticket: STORE_NOT_FOUND: Магазин 16784 не найден' }) message: string;
  @ApiProperty({
    type: 'object',
    properties: {
      status: { type: 'integer', description: "IMSHOP's HTTP status; 0 when no answer came" },
      body: { description: "IMSHOP's answer as it came (null when empty or none)" },
    },
    required: ['status', 'body'],
    example: { status: 200, body: { success: false, errorCode: 'STORE_NOT_FOUND', errorMessage: 'Магазин 16784 не найден' } },
  })
  imshop: { status: number; body: unknown };
}
