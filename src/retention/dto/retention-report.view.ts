import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What one run of the retention job deleted. */
export class RetentionReportView {
  @ApiProperty({ example: true, description: 'Always true in an answer: a run another instance holds is a 409' }) ran: boolean;
  @ApiPropertyOptional({ format: 'date-time', example: '2026-08-26T12:00:00.000Z', description: 'Inbound events received before this were deleted' })
  eventsBefore?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-10-25T12:00:00.000Z',
    description: 'Delivery attempts (and finished deliveries) before this were deleted',
  })
  attemptsBefore?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { market_events: 0, imshop_ticket_events: 0, delivery_attempts: 12, deliveries: 3, replay_runs: 0 },
    description: 'Rows deleted, per table',
  })
  deleted: Record<string, number>;
  @ApiProperty({ type: 'integer', example: 41 }) durationMs: number;
}
