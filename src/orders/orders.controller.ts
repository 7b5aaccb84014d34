import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, AdminOnly } from '../auth/admin-key.guard';
import { AdminStatusChangeDto, AdminStatusChangeResult, ListOrdersQuery, OrderDetailView, OrderPage } from './dto/order.dto';
import { OrderReadsService } from './order-reads.service';
import { OrdersService } from './orders.service';

@ApiTags('admin: orders')
@AdminOnly()
@Controller('admin/orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly reads: OrderReadsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Orders, newest change first; filter by status, source or any external id',
    description:
      '`externalId` matches the OMS order number, the IMSHOP uuid or the Market order id; `source` keeps orders with at least one history row from that source.',
  })
  @ApiOkResponse({ type: OrderPage })
  list(@Query() query: ListOrdersQuery) {
    return this.reads.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One order with its full history',
    description:
      'Every status event in order (applied, stale, rejected, unmapped, ...) with its source payload, plus what other modules know of the order: Market details, IMSHOP tickets.',
  })
  @ApiOkResponse({ type: OrderDetailView })
  @ApiNotFoundResponse({ description: 'No such order' })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.reads.findById(id);
  }

  @Post(':id/status')
  @ApiOperation({
    summary: 'Set a status by hand; `override` bypasses the state machine and is recorded as such',
    description: 'The change goes through the same path as a webhook (history row, outbound pushes); X-Actor names who made it.',
  })
  @ApiCreatedResponse({ type: AdminStatusChangeResult, description: 'Recorded; `outcome` says whether it moved the order (stale, rejected, ... when not)' })
  @ApiNotFoundResponse({ description: 'No such order' })
  async setStatus(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: AdminStatusChangeDto, @Actor() actor: string): Promise<AdminStatusChangeResult> {
    const result = await this.orders.applyStatus({
      source: 'admin',
      identity: { id },
      internalStatus: dto.status,
      override: dto.override ?? false,
      note: `${actor}: ${dto.reason}`,
    });
    return { outcome: result.outcome, reason: result.reason, order: result.order };
  }
}
