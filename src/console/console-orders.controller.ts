import { BadRequestException, Controller, Get, NotFoundException, Inject, Param, ParseUUIDPipe, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ORDER_STATUSES } from '../orders/order-status';
import { ConsoleErrorFilter } from './console-error.filter';
import { ConsoleReadsService } from './console-reads.service';
import { ConsoleSessionGuard, CurrentUser } from './console-session.guard';
import type { ConsoleUser } from './console-sessions.service';
import { OrdersQuery } from './dto/console-forms';
import type { JourneyRow } from './journey';
import { eventDetail, journeyPage } from './pages/journey.page';
import { ordersPage } from './pages/orders.page';
import { checked, sendPage } from './respond';

const PAGE_SIZE = 50;
const ORDER_ID = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException('An order page is named by the order’s internal id (a uuid): find the order on the Orders page by any of its ids.'),
});

/** The orders: search and filter, and one order's journey. */
@ApiExcludeController()
@UseFilters(ConsoleErrorFilter)
@UseGuards(ConsoleSessionGuard)
@Controller('console/orders')
export class ConsoleOrdersController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reads: ConsoleReadsService,
  ) {}

  @Get()
  async list(@Query() raw: Record<string, unknown>, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const { value, messages } = checked(OrdersQuery, raw);
    const filter = { q: value.q?.trim() || undefined, status: value.status, source: value.source, stuck: value.stuck === '1' };
    const found = messages.length
      ? { items: [], total: 0, page: 1, limit: PAGE_SIZE, notes: [] }
      : await this.reads.searchOrders({ ...filter, page: value.page ?? 1, limit: PAGE_SIZE });
    sendPage(response, ordersPage({ user, sandbox: this.config.sandbox }, filter, ORDER_STATUSES, found, messages, found.notes), messages.length ? 400 : 200);
  }

  @Get(':id')
  async journey(@Param('id', ORDER_ID) id: string, @Query('event') event: unknown, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const { order, rows, statusLines, limited } = await this.reads.journey(id);
    sendPage(response, journeyPage({ user, sandbox: this.config.sandbox }, order, rows, statusLines, limited, selectedRow(rows, event)));
  }

  /** One event's details, for the page's script to show beside the picture without reloading it (an HTML fragment). */
  @Get(':id/events/:event')
  async event(@Param('id', ORDER_ID) id: string, @Param('event') event: string, @Res() response: Response): Promise<void> {
    const row = EVENT_ID.test(event) ? selectedRow(await this.reads.journeyRowsOf(id, event), event) : null;
    if (!row) throw new NotFoundException(`order ${id} has no event ${event.slice(0, 24)}`);
    sendPage(response, eventDetail(row).text);
  }
}

/** An event of a journey: `h<history id>` or `d<delivery id>`, a bigserial id. */
const EVENT_ID = /^[hd][1-9]\d{0,17}$/;

/** The row an `?event=` names. */
function selectedRow(rows: JourneyRow[], event: unknown): JourneyRow | null {
  if (typeof event !== 'string' || !EVENT_ID.test(event)) return null;
  return rows.find((row) => row.detailId === event && row.kind !== 'status') ?? null;
}
