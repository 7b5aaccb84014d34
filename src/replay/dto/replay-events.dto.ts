import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { REPLAY_SOURCES, type ReplaySource } from '../replay-run.entity';

export class ReplayEventsDto {
  @ApiProperty({ enum: REPLAY_SOURCES, example: 'market', description: 'Which inbox: market (market_events) or imshop_ticket (imshop_ticket_events)' })
  @IsIn(REPLAY_SOURCES, { message: `source must be one of ${REPLAY_SOURCES.join(', ')}` })
  source: ReplaySource;

  @ApiPropertyOptional({ type: [String], example: ['1', '2'], description: 'Event ids of that inbox (GET /admin/market/events, GET /admin/tickets/:id); instead of since/until' })
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
