import { BadRequestException, Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-key.guard';
import { ImshopOnly } from '../auth/imshop-key.guard';
import { CreateTicketDto } from './dto/create-ticket.dto';
import { ListTicketsQuery } from './dto/list-tickets.query';
import { CREATE_TICKET_EXAMPLES, TICKET_STATUS_EXAMPLES } from './dto/swagger-examples';
import { CreatedTicketView, ImshopTicketDetailView, ImshopTicketPage, ImshopTicketView, TicketRefusedError } from './dto/ticket.view';
import { TicketStatusWebhookDto } from './dto/ticket-status-webhook.dto';
import { TicketCreationService } from './ticket-creation.service';
import { TicketIntakeService } from './ticket-intake.service';
import { TicketReadsService } from './ticket-reads.service';

/** IMSHOP → us: "Уведомления об обновлении статуса заявки" (seed 000). */
@ApiTags('IMSHOP')
@Controller('imshop/tickets')
export class TicketStatusController {
  constructor(private readonly intake: TicketIntakeService) {}

  @Post('status')
  @HttpCode(200)
  @ImshopOnly()
  @ApiOperation({
    summary: 'IMSHOP ticket status webhook (register https://<host>/imshop/tickets/status with the IMSHOP manager)',
    description:
      'Needs the IMSHOP key (Authorization: Bearer, or `key` in the body). Stored with its effect on the order before the 200 answer; ' +
      'a repeat (same ticket, status, timestamp and step) answers 200 and changes nothing. The status must be valid for the type of a ' +
      'ticket we know (else 400). A ticket we never created is recorded; its status moves the order only when exactly one ticket type has it.',
  })
  @ApiBody({ type: TicketStatusWebhookDto, examples: TICKET_STATUS_EXAMPLES })
  @ApiOkResponse({ schema: { type: 'object', properties: { success: { type: 'boolean', enum: [true] } }, required: ['success'], example: { success: true } } })
  @ApiBadRequestResponse({
    schema: {
      example: {
        statusCode: 400,
        error: 'Bad Request',
        message: [
          'status "shipped" is not valid for ticket rsp-12345 of type prepare (valid for prepare: done, failed, partiallyDone, not-accepted, timeout, advance)',
        ],
      },
    },
  })
  async status(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<{ success: true }> {
    const receipt = await this.intake.receiveStatus(body);
    recordWebhookOutcome(res, { type: receipt.ticket?.type ?? 'unknown', outcome: receipt.outcome });
    return { success: true };
  }
}

/** Admin → IMSHOP: create a ticket (заявка) for store staff. */
@ApiTags('admin: IMSHOP tickets')
// Its tickets are a section of GET /admin/orders/:id (the order.details channel).
@ApiExtraModels(ImshopTicketView)
@AdminOnly()
@Controller()
export class TicketsController {
  constructor(
    private readonly creation: TicketCreationService,
    private readonly reads: TicketReadsService,
  ) {}

  @Post('tickets')
  @ApiOperation({
    summary: "Create an IMSHOP ticket through IMSHOP's ticket API and register it",
    description:
      "The body is IMSHOP's ticket request and is forwarded as is (with IMSHOP_API_KEY as Bearer). Registered only once IMSHOP " +
      "accepted it (`success: true` and a `ticketId`); the answer carries our ticket and IMSHOP's answer. IMSHOP takes no reference " +
      'of ours, so a resend after a lost answer would create a second ticket: send an Idempotency-Key (one per ticket) and a repeat ' +
      "answers with the ticket created under it, sends again only if IMSHOP refused, and is refused with 409 while IMSHOP's answer is unknown.",
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'One per ticket, up to 200 characters', example: 'prepare-a-12345-1' })
  @ApiBody({ type: CreateTicketDto, examples: CREATE_TICKET_EXAMPLES })
  @ApiCreatedResponse({ type: CreatedTicketView, description: "Our ticket, and IMSHOP's answer (`CreateTicketResponse`) under `imshop`" })
  @ApiBadRequestResponse({ schema: { example: { statusCode: 400, error: 'Bad Request', message: ['type is required', 'orderId is required'] } } })
  @ApiBadGatewayResponse({ type: TicketRefusedError, description: 'IMSHOP refused the ticket or did not answer; its answer is under `imshop`' })
  @ApiConflictResponse({ description: "A ticket was sent under this Idempotency-Key and IMSHOP's answer is unknown: it is not sent again" })
  @ApiServiceUnavailableResponse({ description: 'IMSHOP_API_KEY / IMSHOP_TICKETS_URL are not configured' })
  create(@Body() body: unknown, @Headers('idempotency-key') idempotencyKey: string | undefined) {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw new BadRequestException(['Idempotency-Key must be 1-200 printable ASCII characters without spaces']);
    }
    return this.creation.create(body, { requestKey: idempotencyKey === undefined ? undefined : `admin:${idempotencyKey}` });
  }

  @Get('admin/tickets')
  @ApiOperation({
    summary: 'IMSHOP tickets, newest first; filter by order, status, type, closed',
    description: 'The ticket registry: tickets we created and tickets IMSHOP told us about, with their last status.',
  })
  @ApiOkResponse({ type: ImshopTicketPage, description: 'Registry rows (type null: a ticket we did not create whose type is not known)' })
  list(@Query() query: ListTicketsQuery) {
    return this.reads.list(query);
  }

  @Get('admin/tickets/:id')
  @ApiOperation({
    summary: "One ticket (our id or IMSHOP's ticketId) with every status IMSHOP reported",
    description: 'Each status webhook of the ticket with its effect on the order, oldest first.',
  })
  @ApiOkResponse({
    type: ImshopTicketDetailView,
    description: 'The registry row with `events`: every status IMSHOP reported, its order-history outcome and payload (without the key)',
  })
  @ApiNotFoundResponse({ description: 'No such ticket' })
  get(@Param('id') id: string) {
    return this.reads.get(id);
  }
}
