import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
    description: 'Pull orders Market updated at or after this time (a recovery window; the stored cursor is left alone). Left out: from the stored cursor, advancing it',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00+03:00', description: 'End of the window (default now); only with since' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}

/** What a reconciliation run pulled and did. */
export class ReconcileReportView {
  @ApiProperty({ example: '21546980' }) campaignId: string;
  @ApiProperty({ example: '675789' }) businessId: string;
  @ApiProperty({ enum: ['cursor', 'window'], example: 'cursor', description: 'cursor: from the stored cursor, advancing it; window: the given since/until, the cursor untouched' }) mode: 'cursor' | 'window';
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
}

/** A run Market cut short (429: its rate limit held too long; 502: another failure), with the counts so far. */
export class ReconcileFailureView extends ReconcileReportView {
  @ApiProperty({ type: 'integer', example: 502 }) statusCode: number;
  @ApiProperty({ example: 'Market answered 500 on page 2' }) message: string;
}
