import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-key.guard';
import { ParseBigintIdPipe } from '../common/parse-bigint-id.pipe';
import { exampleOf } from '../common/swagger-example';
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
  recover(@Body() dto: RecoverDeliveriesDto) {
    return this.deliveries.recover(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery with every attempt (status code, latency, error)' })
  @ApiParam({ name: 'id', example: '1' })
  get(@Param('id', ParseBigintIdPipe) id: string) {
    return this.deliveries.get(id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Give a dead or superseded delivery a fresh set of attempts' })
  @ApiParam({ name: 'id', example: '1' })
  retry(@Param('id', ParseBigintIdPipe) id: string) {
    return this.deliveries.retry(id);
  }
}
