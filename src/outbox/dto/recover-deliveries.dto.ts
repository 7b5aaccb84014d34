import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';

export class RecoverDeliveriesDto {
  @ApiProperty({ example: 'imshop', description: 'The target whose dead deliveries are sent again (GET /admin/targets lists them)' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,15}$/, { message: 'target must be a target name like imshop or market' })
  target: string;

  @ApiProperty({ example: '2026-11-24T00:00:00Z', description: 'Deliveries created at or after this time' })
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since: string;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00Z', description: 'Deliveries created before this time (default: now)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}
