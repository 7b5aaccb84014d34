import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * The last page a listing serves: far past any real table (500 million rows at the largest limit), and small enough
 * that the offset it makes is an exact number the database takes (a huge `page` was a 500).
 */
export const MAX_PAGE = 1_000_000;

/** `page` and `limit` of every admin listing; list queries extend it with their filters. */
export class PageQuery {
  @ApiPropertyOptional({ example: 1, minimum: 1, maximum: MAX_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}
