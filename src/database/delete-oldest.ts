import type { DataSource } from 'typeorm';

/**
 * Retention's one statement: deletes up to `limit` rows of `table` whose `timeColumn` is before `before`, oldest
 * id first, and says how many went. Short by design (a batch per statement), so it never holds locks for long.
 * `table` and `timeColumn` are the calling repository's own constants, never input.
 */
export async function deleteOldestBefore(dataSource: DataSource, table: string, timeColumn: string, before: Date, limit: number): Promise<number> {
  const [{ n }] = (await dataSource.query(
    `WITH gone AS (DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${timeColumn} < $1 ORDER BY id LIMIT $2) RETURNING id)
     SELECT count(*)::int AS n FROM gone`,
    [before, limit],
  )) as { n: number }[];
  return n;
}
