import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthCheckView {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' }) status: 'up' | 'down';
  @ApiProperty({ type: 'integer', example: 2 }) latencyMs: number;
  @ApiPropertyOptional({ example: 'postgres', description: 'The queue only: redis or postgres (QUEUE_BACKEND)' }) backend?: string;
}

export class PausedTargetView {
  @ApiProperty({ example: 'imshop' }) target: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'failing for 15 minutes' }) reason: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T12:15:00.000Z' }) pausedAt: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T12:00:00.000Z' }) failingSince: Date | null;
}

export class TargetsCheckView {
  @ApiProperty({ enum: ['up', 'paused', 'unknown'], example: 'up' }) status: 'up' | 'paused' | 'unknown';
  @ApiProperty({ type: PausedTargetView, isArray: true }) paused: PausedTargetView[];
}

export class HealthChecksView {
  @ApiProperty({ type: HealthCheckView }) database: HealthCheckView;
  @ApiProperty({ type: HealthCheckView }) queue: HealthCheckView;
  @ApiProperty({ type: TargetsCheckView }) targets: TargetsCheckView;
}

/** GET /health: 200 with ok or degraded, 503 with error (the database is down). */
export class HealthReportView {
  @ApiProperty({
    enum: ['ok', 'degraded', 'error'],
    example: 'ok',
    description: 'error: the database is down (503); degraded: the queue is down or a target is paused (still 200)',
  })
  status: 'ok' | 'degraded' | 'error';
  @ApiProperty({ type: HealthChecksView }) checks: HealthChecksView;
}
