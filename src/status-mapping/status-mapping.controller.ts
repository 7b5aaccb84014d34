import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, AdminOnly } from '../auth/admin-key.guard';
import {
  CreateStatusMappingDto,
  ExportedStatusCode,
  ExportStatusCodesQuery,
  ListStatusMappingsQuery,
  StatusMappingAuditView,
  StatusMappingView,
  UpdateStatusMappingDto,
} from './dto/status-mapping.dto';
import { StatusMappingService } from './status-mapping.service';

/**
 * Named request examples: the DTOs' property examples alone would combine an inbound and an outbound
 * row into one body, which the validation refuses. None of these rows is in the default table.
 */
const CREATE_EXAMPLES = {
  inboundOms: { summary: 'inbound: an OMS code', value: { source: 'oms', externalCode: 'packed', internalStatus: 'READY_TO_SHIP' } },
  inboundMarket: {
    summary: 'inbound: a Market status with a substatus',
    value: { source: 'market', externalCode: 'PROCESSING', externalSubstatus: 'SHIPPED', internalStatus: 'SHIPPED' },
  },
  outbound: {
    summary: 'outbound: what the IMSHOP app shows for an order whose status is unknown',
    value: { target: 'imshop', internalStatus: 'UNKNOWN', code: 'processing', message: 'Заказ в обработке' },
  },
};
const UPDATE_EXAMPLES = {
  message: { summary: 'outbound row: change the text the buyer sees', value: { message: 'Заказ собран и скоро будет передан в доставку' } },
  attention: { summary: 'flag events with this code for an operator', value: { attention: true } },
};

@ApiTags('admin: status mappings')
@AdminOnly()
@Controller('admin/status-mappings')
export class StatusMappingController {
  constructor(private readonly mappings: StatusMappingService) {}

  @Get()
  @ApiOperation({
    summary: 'List mapping rows (filter by inbound source or outbound target)',
    description:
      'Inbound rows turn a source code (and substatus or ticket type) into an internal status; outbound rows turn an internal status into the code and message a target receives.',
  })
  @ApiOkResponse({ type: StatusMappingView, isArray: true })
  list(@Query() query: ListStatusMappingsQuery) {
    return this.mappings.list(query);
  }

  @Get('export')
  @ApiOperation({
    summary: 'Status codes with descriptions, as IMSHOP asks retailers to hand them over',
    description: 'One entry per outbound code of the target, with the buyer-facing message, to send to the IMSHOP manager.',
  })
  @ApiOkResponse({ type: ExportedStatusCode, isArray: true })
  export(@Query() query: ExportStatusCodesQuery) {
    return this.mappings.exportCodes(query.target);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One mapping row', description: 'The row with its version (send it as expectedVersion when changing the row).' })
  @ApiOkResponse({ type: StatusMappingView })
  @ApiNotFoundResponse({ description: 'No such row' })
  get(@Param('id', ParseIntPipe) id: number) {
    return this.mappings.get(id);
  }

  @Get(':id/audit')
  @ApiOperation({
    summary: 'Every change of one row: who, when, before and after',
    description: 'The audit trail of the row, oldest first; the actor is the X-Actor header of the change.',
  })
  @ApiOkResponse({ type: StatusMappingAuditView, isArray: true, description: 'Oldest first; empty for a row that never existed' })
  audit(@Param('id', ParseIntPipe) id: number) {
    return this.mappings.history(id);
  }

  @Post()
  @ApiOperation({
    summary: 'Add a mapping row',
    description:
      'Inbound: `{source, ticketType?, externalCode, externalSubstatus?, internalStatus|null}`; outbound: `{target, internalStatus, code, message}`. A row that duplicates an existing one is 409.',
  })
  @ApiBody({ type: CreateStatusMappingDto, examples: CREATE_EXAMPLES })
  @ApiCreatedResponse({ type: StatusMappingView })
  @ApiConflictResponse({ description: 'A row with the same key exists' })
  create(@Body() dto: CreateStatusMappingDto, @Actor() actor: string) {
    return this.mappings.create(dto, actor);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a mapping row (send expectedVersion to refuse overwriting a concurrent edit)',
    description: 'Fields left out keep their value. The change applies to events from now on; replay stored events to apply it to the past.',
  })
  @ApiBody({ type: UpdateStatusMappingDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({ type: StatusMappingView })
  @ApiNotFoundResponse({ description: 'No such row' })
  @ApiConflictResponse({ description: 'Same key as another row, or the row changed since expectedVersion' })
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateStatusMappingDto, @Actor() actor: string) {
    return this.mappings.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a mapping row',
    description: 'Events from now on no longer match it (an inbound code without a row is kept in history as unmapped). The removal is audited.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ description: 'No such row' })
  remove(@Param('id', ParseIntPipe) id: number, @Actor() actor: string) {
    return this.mappings.remove(id, actor);
  }
}
