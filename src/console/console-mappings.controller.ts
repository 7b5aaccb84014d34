import { Body, Controller, Get, Inject, Param, ParseIntPipe, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConflictError, DomainError, NotFoundError } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ORDER_STATUSES } from '../orders/order-status';
import { ExportStatusCodesQuery, UpdateStatusMappingDto } from '../status-mapping/dto/status-mapping.dto';
import { INBOUND_SOURCES, OUTBOUND_TARGETS } from '../status-mapping/mapping-systems';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { ConsoleErrorFilter } from './console-error.filter';
import { ConsoleSessionGuard, CurrentUser } from './console-session.guard';
import type { ConsoleUser } from './console-sessions.service';
import type { PageContext } from './layout';
import { auditPage, exportPage, mappingsPage, type MappingsNotice } from './pages/mappings.page';
import { checked, sendPage } from './respond';

/** `in:market`, `out:imshop`, or '' for every row. */
function systemFilter(value: unknown): { filter: string; query: { source?: string; target?: string } } {
  const text = typeof value === 'string' ? value : '';
  const [direction, system] = text.split(':');
  if (direction === 'in' && (INBOUND_SOURCES as readonly string[]).includes(system)) return { filter: text, query: { source: system } };
  if (direction === 'out' && (OUTBOUND_TARGETS as readonly string[]).includes(system)) return { filter: text, query: { target: system } };
  return { filter: '', query: {} };
}

/**
 * A row's form as the change it asks for: the fields the row shows, with expectedVersion, so a row someone else
 * changed since the page was loaded is not overwritten. An unticked checkbox sends nothing: attention is false then.
 */
function updateOf(body: Record<string, unknown>, direction: string): Record<string, unknown> {
  const update: Record<string, unknown> = { attention: body.attention === 'true', expectedVersion: Number(body.expectedVersion) };
  if (direction === 'inbound') update.internalStatus = body.internalStatus === '' ? null : body.internalStatus;
  else {
    for (const field of ['code', 'message'] as const) if (typeof body[field] === 'string') update[field] = body[field];
    if (typeof body.externalSubstatus === 'string') update.externalSubstatus = body.externalSubstatus === '' ? null : body.externalSubstatus;
  }
  return update;
}

/** The status-mapping table: rows edited in place, each row's audit trail, the export for IMSHOP. */
@ApiExcludeController()
@UseFilters(ConsoleErrorFilter)
@UseGuards(ConsoleSessionGuard)
@Controller('console/mappings')
export class ConsoleMappingsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mappings: StatusMappingService,
  ) {}

  @Get()
  async list(@Query('system') system: unknown, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    await this.render(response, this.context(user), system, null);
  }

  @Get('export')
  async export(@Query() raw: Record<string, unknown>, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const { value, messages } = checked(ExportStatusCodesQuery, { target: 'imshop', ...raw });
    const target = messages.length ? 'imshop' : value.target;
    sendPage(response, exportPage(this.context(user), target, OUTBOUND_TARGETS, await this.mappings.exportCodes(target)));
  }

  @Get(':id/audit')
  async audit(@Param('id', ParseIntPipe) id: number, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const audit = await this.mappings.history(id);
    let row = null;
    try {
      row = await this.mappings.get(id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      if (!audit.length) throw error;
    }
    sendPage(response, auditPage(this.context(user), row, id, audit));
  }

  @Post(':id')
  async update(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: Record<string, unknown>,
    @CurrentUser() user: ConsoleUser,
    @Res() response: Response,
  ): Promise<void> {
    const context = this.context(user);
    const current = await this.mappings.get(id);
    const { value, messages } = checked(UpdateStatusMappingDto, updateOf(body, current.direction));
    if (messages.length) {
      await this.render(response, context, body.system, { rowId: id, ok: false, message: `Row ${id} was not saved: ${messages.join('; ')}` }, 400);
      return;
    }
    try {
      const saved = await this.mappings.update(id, value, user.actor);
      await this.render(response, context, body.system, {
        rowId: id,
        ok: true,
        message: `Row ${id} saved (version ${saved.version}). Events from now on are mapped by it.`,
      });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'not_found') throw error;
      const message =
        error instanceof ConflictError
          ? `Row ${id} was not saved: ${error.message}. The row below shows what it is now.`
          : `Row ${id} was not saved: ${error.message}`;
      await this.render(response, context, body.system, { rowId: id, ok: false, message }, error instanceof ConflictError ? 409 : 400);
    }
  }

  private async render(response: Response, context: PageContext, system: unknown, notice: MappingsNotice | null, status = 200): Promise<void> {
    const { filter, query } = systemFilter(system);
    const rows = await this.mappings.list(query);
    sendPage(response, mappingsPage(context, rows, ORDER_STATUSES, { inbound: INBOUND_SOURCES, outbound: OUTBOUND_TARGETS }, filter, notice), status);
  }

  private context(user: ConsoleUser): PageContext {
    return { user, sandbox: this.config.sandbox };
  }
}
