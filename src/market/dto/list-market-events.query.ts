import { PageQuery } from '../../common/page';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class ListMarketEventsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'ORDER_STATUS_UPDATED', description: 'notificationType, known or not' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  type?: string;

  @ApiPropertyOptional({ example: '46830651' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'orderId must be a Market order id (digits)' })
  orderId?: string;

  @ApiPropertyOptional({ example: '21683701' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'campaignId must be a Market campaign id (digits)' })
  campaignId?: string;

  @ApiPropertyOptional({ example: '2026-11-24T00:00:00Z', description: 'received at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00Z', description: 'received before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}
