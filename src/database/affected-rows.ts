/** How many rows an `UPDATE … RETURNING` through TypeORM's `query()` touched: it gives `[rows, count]`, or the rows. */
export function affectedRows(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}
