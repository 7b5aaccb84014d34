import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RECONCILE_STOP_REASONS } from '../reconcile-report';
import { Transform } from 'class-transformer';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';

export class ReconcileDto {
  @ApiProperty({ example: '21546980', description: 'The Market campaign (it needs a businessId in its automation settings); int64, best sent as a string' })
  @Transform(({ value }) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value))
  @IsString({ message: 'campaignId must be an int64 id (digits, as a string)' })
  @Matches(/^[1-9]\d{0,18}$/, { message: 'campaignId must be an int64 id (digits, as a string)' })
  campaignId: string;

  @ApiPropertyOptional({
    example: '2026-11-24T00:00:00+03:00',
    description:
      'Pull orders Market updated at or after this time (a recovery window; the stored cursor is left alone). Left out: from the stored cursor, advancing it',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00+03:00', description: 'End of the window (default now); only with since' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}

export class ReconcileWindowView {
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T09:55:00.000Z' }) since: string;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T10:05:00.000Z' }) until: string;
  @ApiProperty({ type: 'integer', example: 100, description: 'Pages of the window already applied' }) pagesDone: number;
}

export class ReconcileStopView {
  @ApiProperty({
    enum: RECONCILE_STOP_REASONS,
    example: 'page_limit',
    description: 'page_limit: MAX_PAGES_PER_RUN pages read, the next run goes on; page_token_repeated: Market repeated a page token',
  })
  reason: string;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T10:05:03.000Z' }) at: string;
}

/** Where one campaign's pull stands. */
export class ReconcileCampaignView {
  @ApiProperty({ example: '21546980' }) campaignId: string;
  @ApiProperty({ example: '675789' }) businessId: string;
  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    nullable: true,
    example: '2026-11-24T09:55:00.000Z',
    description: 'Every order Market changed before it has been pulled',
  })
  cursorAt: string | null;
  @ApiPropertyOptional({ type: () => ReconcileWindowView, nullable: true, description: 'A window not read to its end yet (the next run goes on with it)' })
  unfinished: ReconcileWindowView | null;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true }) lastRunAt: string | null;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true }) lastSuccessAt: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: null }) lastError: string | null;
  @ApiPropertyOptional({
    type: () => ReconcileStopView,
    nullable: true,
    description: 'Why the last run stopped before the end of its window, until a run finishes one',
  })
  lastStop: ReconcileStopView | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'integer' },
    nullable: true,
    example: { seen: 124, changed: 2, created: 1, unchanged: 121, pages: 3 },
  })
  lastCounts: Record<string, number> | null;
}

export class ReconcileStateView {
  @ApiProperty({ type: 'integer', example: 100, description: 'Pages one run reads at most' }) maxPagesPerRun: number;
  @ApiProperty({ type: () => [ReconcileCampaignView] }) campaigns: ReconcileCampaignView[];
}

/** Why a run stopped before the end of its window. */
export class ReconcileRunStopView {
  @ApiProperty({ enum: RECONCILE_STOP_REASONS, example: 'page_limit' }) reason: string;
  @ApiProperty({ example: 'read 100 pages (MAX_PAGES_PER_RUN); the next run goes on from here' }) message: string;
}

/** What a reconciliation run pulled and did. */
export class ReconcileReportView {
  @ApiProperty({ example: '21546980' }) campaignId: string;
  @ApiProperty({ example: '675789' }) businessId: string;
  @ApiProperty({
    enum: ['cursor', 'window'],
    example: 'cursor',
    description: 'cursor: from the stored cursor, advancing it; window: the given since/until, the cursor untouched',
  })
  mode: 'cursor' | 'window';
  @ApiProperty({ example: '2026-11-24T12:00:00+03:00', description: "The window's start, in Market's time zone" }) since: string;
  @ApiProperty({ example: '2026-11-24T12:10:00+03:00' }) until: string;
  @ApiProperty({ type: 'integer', example: 1 }) pages: number;
  @ApiProperty({ type: 'integer', example: 3 }) seen: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'Existing orders whose status the pull moved' }) changed: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'Orders we did not know, created by the pull' }) created: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'Same status, older than ours, already pulled, refused or unmapped' }) unchanged: number;
  @ApiProperty({ example: false, description: 'This run continued one cut short (it re-read the page that was not finished)' }) resumed: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { applied: 2, stale: 1 } }) outcomes: Record<string, number>;
  @ApiProperty({ type: 'integer', example: 840 }) durationMs: number;
  @ApiPropertyOptional({ type: () => ReconcileRunStopView, description: 'Present when the run stopped before the end of its window: why' })
  stopped?: ReconcileRunStopView;
}

/** A run Market cut short (429: its rate limit held too long; 502: another failure), with the counts so far. */
export class ReconcileFailureView extends ReconcileReportView {
  @ApiProperty({ type: 'integer', example: 502 }) statusCode: number;
  @ApiProperty({ example: 'Market answered 500 on page 2' }) message: string;
}
