import { channel } from '../events/channels';

/** What a retention run deletes: inbound events before `eventsBefore`, delivery records before `attemptsBefore`. */
export interface RetentionCutoffs {
  eventsBefore: Date;
  attemptsBefore: Date;
  /** Rows per statement. */
  batchSize: number;
}

/**
 * One table's retention, keyed by the table, handled by the module that owns it: deletes what is older than the
 * cutoffs, in batches of `batchSize` (one short statement each), and returns how many rows went.
 */
export const RETENTION_STEP = channel<RetentionCutoffs, number>('retention.step');

/** Statements per table and run; what is left is deleted by the next run. */
const MAX_BATCHES_PER_TABLE = 1000;

/** Runs `deleteBatch` (one statement, at most `batchSize` rows) until a batch comes back short. */
export async function deleteInBatches(batchSize: number, deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_TABLE; batch++) {
    const n = await deleteBatch(batchSize);
    total += n;
    if (n < batchSize) break;
    await new Promise((resolve) => setImmediate(resolve)); // let other work in between batches
  }
  return total;
}
