import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '../page';

/**
 * The answer of an admin listing, `{items, total, page, limit}`, for the OpenAPI description: extend it, e.g.
 * `class DeliveryPage extends PageOf(DeliveryView) {}`, so that the schema is named after the subclass.
 */
export function PageOf<T>(item: Type<T>): Type<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: item, isArray: true }) items: T[];
    @ApiProperty({ type: 'integer', example: 1, description: 'Rows matching the filters' }) total: number;
    @ApiProperty({ type: 'integer', example: 1 }) page: number;
    @ApiProperty({ type: 'integer', example: 50 }) limit: number;
  }
  return PageOfItems;
}
