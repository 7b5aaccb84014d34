/**
 * A delivery's lease as the worker that holds it measures it, on this process's own clock: it runs from the moment
 * the claim (or the last renewal that came through) was *sent*, so it ends no later than the database's
 * `lease_until` (set when the statement ran, later), whatever the two clocks say. Its signal is aborted once a
 * request started now could outlast it (`requestMs`, the request timeout): from then on the attempt starts no
 * request. A request already out ends within `requestMs`, so by the time the database's lease lapses (and a sweeper
 * may give the delivery to another worker) nothing of this attempt is still out.
 */
export class HeldLease {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** When the lease ends on this process's clock, at the latest. */
  private endsAt: number;

  constructor(
    readonly id: string,
    readonly token: string,
    /** The attempts counted at the claim (see AttemptRecord.attempt). */
    readonly attempt: number,
    claimSentAt: number,
    private readonly leaseMs: number,
    private readonly requestMs: number,
  ) {
    this.endsAt = claimSentAt + leaseMs;
    this.schedule();
  }

  /** Aborted when no request may start under this lease any more (its reason says why). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A renewal sent at `sentAt` came through: the lease lasts `leaseMs` from then. */
  extend(sentAt: number): void {
    if (this.controller.signal.aborted) return;
    this.endsAt = Math.max(this.endsAt, sentAt + this.leaseMs);
    this.schedule();
  }

  /** The lease is no longer this worker's (or may not be): no request starts under it from now on. */
  lose(reason: string): void {
    this.end();
    if (!this.controller.signal.aborted) this.controller.abort(new Error(reason));
  }

  /** The attempt is over: nothing more to watch. */
  end(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const closesInMs = this.endsAt - this.requestMs - Date.now();
    const lapsing = () =>
      this.lose(`its lease could lapse before a request would end (not renewed for ${this.leaseMs - this.requestMs} ms: is the database reachable?)`);
    if (closesInMs <= 0) return lapsing();
    this.timer = setTimeout(lapsing, closesInMs);
    this.timer.unref();
  }
}
