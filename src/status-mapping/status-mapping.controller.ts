import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, AdminOnly } from '../auth/admin-key.guard';
import {
  CreateStatusMappingDto,
  ExportedStatusCode,
  ExportStatusCodesQuery,
  ListStatusMappingsQuery,
  StatusMappingView,
  UpdateStatusMappingDto,
} from './dto/status-mapping.dto';
import { StatusMappingService } from './status-mapping.service';

@ApiTags('admin: status mappings')
@AdminOnly()
@Controller('admin/status-mappings')
export class StatusMappingController {
  constructor(private readonly mappings: StatusMappingService) {}

  @Get()
  @ApiOperation({ summary: 'List mapping rows (filter by inbound source or outbound target)' })
  @ApiOkResponse({ type: StatusMappingView, isArray: true })
  list(@Query() query: ListStatusMappingsQuery) {
    return this.mappings.list(query);
  }

  @Get('export')
  @ApiOperation({ summary: 'Status codes with descriptions, as IMSHOP asks retailers to hand them over' })
  @ApiOkResponse({ type: ExportedStatusCode, isArray: true })
  export(@Query() query: ExportStatusCodesQuery) {
    return this.mappings.exportCodes(query.target);
  }

  @Get(':id')
  @ApiOkResponse({ type: StatusMappingView })
  get(@Param('id', ParseIntPipe) id: number) {
    return this.mappings.get(id);
  }

  @Get(':id/audit')
  @ApiOperation({ summary: 'Every change of one row: who, when, before and after' })
  audit(@Param('id', ParseIntPipe) id: number) {
    return this.mappings.history(id);
  }

  @Post()
  @ApiOperation({ summary: 'Add a mapping row' })
  @ApiCreatedResponse({ type: StatusMappingView })
  @ApiConflictResponse({ description: 'A row with the same key exists' })
  create(@Body() dto: CreateStatusMappingDto, @Actor() actor: string) {
    return this.mappings.create(dto, actor);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a mapping row (send expectedVersion to refuse overwriting a concurrent edit)' })
  @ApiOkResponse({ type: StatusMappingView })
  @ApiConflictResponse({ description: 'Same key as another row, or the row changed since expectedVersion' })
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateStatusMappingDto, @Actor() actor: string) {
    return this.mappings.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', ParseIntPipe) id: number, @Actor() actor: string) {
    return this.mappings.remove(id, actor);
  }
}
