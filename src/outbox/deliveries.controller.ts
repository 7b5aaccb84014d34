import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-key.guard';
import { ParseBigintIdPipe } from '../common/parse-bigint-id.pipe';
import { exampleOf } from '../common/swagger-example';
import { DeliveryDetailView, DeliveryPage, DeliveryView, RecoverResultView } from './dto/delivery.view';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';
import { RecoverDeliveriesDto } from './dto/recover-deliveries.dto';
import { DeliveriesService } from './deliveries.service';

@ApiTags('admin: deliveries')
@AdminOnly()
@Controller('admin/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Outbound deliveries, newest first: pending, retrying, sent, dead, superseded' })
  @ApiOkResponse({ type: DeliveryPage })
  list(@Query() query: ListDeliveriesQuery) {
    return this.deliveries.list(query);
  }

  @Post('recover')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Recover: dead deliveries of a target created in [since, until) get a fresh set of attempts',
    description: 'Deliveries whose order has a newer delivery for the target stay dead (counted as superseded): a newer status replaces them.',
  })
  @ApiBody({ type: RecoverDeliveriesDto, examples: { recover: { summary: 'a day of dead IMSHOP deliveries', value: exampleOf(RecoverDeliveriesDto) } } })
  @ApiOkResponse({ type: RecoverResultView })
  recover(@Body() dto: RecoverDeliveriesDto) {
    return this.deliveries.recover(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery with every attempt (status code, latency, error)' })
  @ApiParam({ name: 'id', example: '1' })
  @ApiOkResponse({ type: DeliveryDetailView })
  @ApiNotFoundResponse({ description: 'No such delivery' })
  get(@Param('id', ParseBigintIdPipe) id: string) {
    return this.deliveries.get(id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Give a dead or superseded delivery a fresh set of attempts' })
  @ApiParam({ name: 'id', example: '1' })
  @ApiAcceptedResponse({ type: DeliveryView, description: 'Queued with a fresh set of attempts' })
  @ApiNotFoundResponse({ description: 'No such delivery' })
  @ApiConflictResponse({ description: 'The delivery was sent already, is waiting for its next attempt, or changed meanwhile' })
  retry(@Param('id', ParseBigintIdPipe) id: string) {
    return this.deliveries.retry(id);
  }
}
