import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Page, PageQuery } from '../common/page';

/** Runs a filtered, ordered query for one page (default page 1 of 50). */
export async function pageOf<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, query: PageQuery): Promise<Page<T>> {
  const page = query.page ?? 1;
  const limit = query.limit ?? 50;
  const [items, total] = await qb
    .skip((page - 1) * limit)
    .take(limit)
    .getManyAndCount();
  return { items, total, page, limit };
}
