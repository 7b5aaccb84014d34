import { BadRequestException, Body, Controller, Get, HttpCode, HttpException, Post } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { HttpErrorBody } from '../common/dto/http-error.dto';
import { AdminOnly } from '../auth/admin-key.guard';
import { ReconcileDto, ReconcileFailureView, ReconcileReportView, ReconcileStateView } from './dto/reconcile.dto';
import { normaliseMarketDate } from './market-date';
import { MarketReconcileService, ReconcileError } from './market-reconcile.service';

@ApiTags('admin: market')
@ApiExtraModels(HttpErrorBody, ReconcileFailureView)
@AdminOnly()
@Controller('admin/market/reconcile')
export class MarketReconcileController {
  constructor(private readonly reconcile: MarketReconcileService) {}

  @Get()
  @ApiOperation({
    summary: "Where each Market campaign's reconciliation stands: its cursor, an unfinished window, and why the last run stopped early",
    description:
      'lastStop.reason: page_limit (the run read maxPagesPerRun pages; the next run goes on from there) or page_token_repeated (Market gave a ' +
      'page token it had given before in the run; the run stopped rather than read the same pages forever). Cleared when a run finishes its window.',
  })
  @ApiOkResponse({ type: ReconcileStateView })
  state(): Promise<ReconcileStateView> {
    return this.reconcile.state();
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reconcile a Market campaign now: pull the orders Market changed and apply what notifications missed',
    description:
      'Without `since`: from the stored cursor, advancing it (what the schedule does every MARKET_RECONCILE_MINUTES). With `since` ' +
      '(and `until`, default now): that window only, e.g. after an outage; the cursor is left alone. Pulled states older than ours change ' +
      'nothing. Answers counts: seen, changed (existing orders moved), created (orders we did not know), unchanged.',
  })
  @ApiBody({
    type: ReconcileDto,
    examples: {
      cursor: { summary: 'from the stored cursor', value: { campaignId: '21546980' } },
      window: { summary: 'a recovery window', value: { campaignId: '21546980', since: '2026-11-24T00:00:00+03:00', until: '2026-11-25T00:00:00+03:00' } },
    },
  })
  @ApiOkResponse({
    type: ReconcileReportView,
    description: 'The counts, and `stopped: {reason, message}` when the run read its most pages (page_limit) before the end of the window',
  })
  @ApiBadRequestResponse({ description: 'A field is wrong, or the campaign has no businessId (message names it)' })
  @ApiConflictResponse({ description: 'The campaign is being reconciled right now, or MARKET_API_KEY is not set' })
  @ApiBadGatewayResponse({
    type: ReconcileFailureView,
    description: 'Market failed mid-run, or repeated a page token (`stopped.reason` page_token_repeated); the body has the counts so far',
  })
  @ApiTooManyRequestsResponse({
    description:
      "Market's rate limit held too long (the body has the counts so far), or more than ADMIN_RATE_LIMIT admin requests from this address in a minute",
    schema: { oneOf: [{ $ref: getSchemaPath(ReconcileFailureView) }, { $ref: getSchemaPath(HttpErrorBody) }] },
  })
  async run(@Body() dto: ReconcileDto) {
    const problems: string[] = [];
    const since = dto.since === undefined ? undefined : normaliseMarketDate(dto.since);
    const until = dto.until === undefined ? undefined : normaliseMarketDate(dto.until);
    if (since === null) problems.push('since must be an ISO 8601 date-time');
    if (until === null) problems.push('until must be an ISO 8601 date-time');
    if (until && !since) problems.push('until needs since (without since the run goes from the stored cursor to now)');
    if (since && until && since >= until) problems.push('since must be before until');
    if (since && since.getTime() > Date.now()) problems.push('since must not be in the future');
    if (problems.length) throw new BadRequestException(problems);
    try {
      return await this.reconcile.runNow({ campaignId: dto.campaignId, since: since ?? undefined, until: until ?? undefined });
    } catch (error) {
      // A run cut short answers with what it did: 429 when Market's rate limit holds too long, 502 otherwise.
      if (!(error instanceof ReconcileError)) throw error;
      const status = error.rateLimited ? 429 : 502;
      throw new HttpException({ statusCode: status, message: error.message, ...error.partial }, status);
    }
  }
}
