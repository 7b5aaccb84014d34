/**
 * The order rows are locked in within a batch: by code unit, as PostgreSQL's "C" collation and every process
 * sort them, never by locale, so two batches that lock the same rows take them in the same order and cannot
 * deadlock each other.
 */
export function lockOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
