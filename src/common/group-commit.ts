/**
 * Group commit: items submitted while `maxInFlight` batches are already running wait, and go together as
 * the next batch (up to `maxBatch`). Under load a batch shares its transaction's fixed round trips (BEGIN,
 * the multi-row inbox insert, COMMIT) among many items; with no load a batch is one item, started at once,
 * so nothing waits on a timer.
 *
 * A batch that fails as a whole (a deadlock, an item that breaks a constraint) is retried one item per
 * batch, so each item gets its own answer and one bad item fails alone.
 */
export class GroupCommit<I, R> {
  private readonly waiting: { item: I; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<R[]>,
    private readonly limits: { maxBatch: number; maxInFlight: number },
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.limits.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: GroupCommit<I, R>['waiting']): Promise<void> {
    try {
      const results = await this.runBatch(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      for (const entry of batch) {
        await this.runBatch([entry.item]).then(([result]) => entry.resolve(result), entry.reject);
      }
    }
  }
}
