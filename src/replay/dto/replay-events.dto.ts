import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { REPLAY_SOURCES, REPLAY_STATES, type ReplaySource, type ReplayState } from '../replay-run.entity';

export class ReplayEventsDto {
  @ApiProperty({ enum: REPLAY_SOURCES, example: 'market', description: 'Which inbox: market (market_events) or imshop_ticket (imshop_ticket_events)' })
  @IsIn(REPLAY_SOURCES, { message: `source must be one of ${REPLAY_SOURCES.join(', ')}` })
  source: ReplaySource;

  @ApiPropertyOptional({
    type: [String],
    example: ['1', '2'],
    description: 'Event ids of that inbox (GET /admin/market/events, GET /admin/tickets/:id); instead of since/until',
  })
  @IsOptional()
  @IsArray({ message: 'ids must be an array of event ids' })
  @ArrayMinSize(1, { message: 'ids must not be empty' })
  @ArrayMaxSize(10_000, { message: 'ids must list at most 10000 events (use since/until for more)' })
  @Matches(/^[1-9]\d{0,18}$/, { each: true, message: 'ids must be event ids (positive integers as strings)' })
  ids?: string[];

  @ApiPropertyOptional({ example: '2026-11-24T00:00:00Z', description: 'Events received at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00Z', description: 'Events received before this time (default: now)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}

/** A replay run: who started it, with which mapping revision, its state, progress and counts. */
export class ReplayRunView {
  @ApiProperty({ example: '3' }) id: string;
  @ApiProperty({ enum: REPLAY_STATES, example: 'done' }) state: ReplayState;
  @ApiProperty({ enum: REPLAY_SOURCES, example: 'market' }) source: ReplaySource;
  @ApiProperty({ type: [String], nullable: true, example: null, description: 'The ids asked for (null: a since/until range)' }) eventIds: string[] | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T00:00:00.000Z' }) since: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-25T00:00:00.000Z' }) until: Date | null;
  @ApiProperty({ example: '12', description: 'The mapping table revision the events were replayed with' }) mappingRevision: string;
  @ApiProperty({ example: 'admin' }) actor: string;
  @ApiProperty({ example: false, description: 'Runs in the background (more than REPLAY_SYNC_LIMIT events)' }) background: boolean;
  @ApiProperty({ type: 'integer', example: 2 }) matched: number;
  @ApiProperty({ type: 'integer', example: 2 }) processed: number;
  @ApiProperty({ type: 'integer', example: 1 }) applied: number;
  @ApiProperty({ type: 'integer', example: 1 }) unchanged: number;
  @ApiProperty({ type: 'integer', example: 0 }) failed: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { stale: 1 },
    description: 'unchanged, broken down: stale, duplicate, ...',
  })
  outcomes: Record<string, number>;
  @ApiProperty({ type: 'string', nullable: true, example: '2' }) lastEventId: string | null;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', properties: { eventId: { type: 'string' }, error: { type: 'string' } }, required: ['eventId', 'error'] },
    example: [],
  })
  errors: { eventId: string; error: string }[];
  @ApiProperty({ format: 'date-time', example: '2026-11-25T09:00:00.000Z' }) startedAt: Date;
  @ApiProperty({ format: 'date-time', example: '2026-11-25T09:00:01.000Z' }) updatedAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-25T09:00:01.000Z' }) finishedAt: Date | null;
}
