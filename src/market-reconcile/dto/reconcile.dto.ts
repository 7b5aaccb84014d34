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
