import { Controller, Get, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MarketEventPage, MarketReturnView } from './dto/market-answer.dto';
import { AdminOnly } from '../auth/admin-key.guard';
import { ListMarketEventsQuery } from './dto/list-market-events.query';
import { MarketEventsService } from './market-events.service';

@ApiTags('admin: Yandex Market')
// An order's returns are a section of GET /admin/orders/:id (the order.details channel).
@ApiExtraModels(MarketReturnView)
@AdminOnly()
@Controller('admin/market')
export class MarketAdminController {
  constructor(private readonly inbox: MarketEventsService) {}

  @Get('events')
  @ApiOperation({
    summary: 'Stored Market notifications, newest first (every type, known or not, with re-delivery counts)',
    description:
      'The inbox of POST /market/notification: each notification as Market sent it, its outcome on the order and how often Market delivered it again.',
  })
  @ApiOkResponse({ type: MarketEventPage })
  events(@Query() query: ListMarketEventsQuery) {
    return this.inbox.list(query);
  }
}
