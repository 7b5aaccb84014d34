import { PageQuery } from '../../common/page';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { TICKET_TYPES } from '../../imshop-client/imshop-ticket-types';

/** `type=unknown` lists tickets we did not create whose type could not be told from their statuses. */
export const TICKET_TYPE_FILTERS = [...TICKET_TYPES, 'unknown'] as const;

export class ListTicketsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'a-12345', description: "The order: its OMS number (the tickets' orderId) or our order id" })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  orderId?: string;

  @ApiPropertyOptional({ example: 'done', description: 'Latest ticket status (created, done, shipped, failed, ...)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  status?: string;

  @ApiPropertyOptional({ enum: TICKET_TYPE_FILTERS, example: 'prepare' })
  @IsOptional()
  @IsIn(TICKET_TYPE_FILTERS)
  type?: (typeof TICKET_TYPE_FILTERS)[number];

  @ApiPropertyOptional({ example: false, description: 'true: only closed tickets; false: only open ones' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  closed?: boolean;
}
