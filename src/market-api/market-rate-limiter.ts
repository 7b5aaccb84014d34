/**
 * Market's request limits, enforced in this process before a request leaves:
 *
 * - **Parallel limit** ("не более четырёх одновременных запросов"): counted per entity of the URL — the
 *   campaign for `/campaigns/{campaignId}/…`, the business for `/businesses/{businessId}/…`. Requests over the
 *   limit wait here for a slot instead of being answered `420 Enhance Your Calm` by Market.
 * - **Resource limits** (requests per hour per method): Market reports them on every answer in
 *   `X-RateLimit-Resource-Limit / -Remaining / -Until`. Once a method is used up for an entity (Remaining 0, or a
 *   420/429 naming an Until), calls of that method for that entity are held back until then without spending
 *   another request; the caller gets the time to wait and the outbox schedules the retry.
 *
 * Per process: several instances each keep their own count (Market's 420 is then the backstop, and is retried).
 */
export class MarketRateLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(private readonly maxParallel: number) {}

  /** Milliseconds until `method` may be called again for `entity`; 0 when it may be called now. */
  heldBackFor(method: string, entity: string, now = Date.now()): number {
    const until = this.blockedUntil.get(`${method}|${entity}`);
    if (until === undefined) return 0;
    if (until <= now) {
      this.blockedUntil.delete(`${method}|${entity}`);
      return 0;
    }
    return until - now;
  }

  /** Holds `method` back for `entity` until the given time (Market's `X-RateLimit-Resource-Until`). */
  holdBack(method: string, entity: string, until: number): void {
    const key = `${method}|${entity}`;
    if (until > (this.blockedUntil.get(key) ?? 0)) this.blockedUntil.set(key, until);
  }

  /** Runs `work` once fewer than `maxParallel` requests for `entity` are in flight. */
  async run<T>(entity: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(entity);
    try {
      return await work();
    } finally {
      this.release(entity);
    }
  }

  /** Requests in flight for an entity (tests and diagnostics). */
  inFlight(entity: string): number {
    return this.active.get(entity) ?? 0;
  }

  private acquire(entity: string): Promise<void> {
    const current = this.active.get(entity) ?? 0;
    if (current < this.maxParallel) {
      this.active.set(entity, current + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(entity) ?? [];
      queue.push(resolve);
      this.waiting.set(entity, queue);
    });
  }

  private release(entity: string): void {
    const queue = this.waiting.get(entity);
    const next = queue?.shift();
    if (next) {
      // The slot passes straight to the next waiter: the count stays the same.
      if (!queue!.length) this.waiting.delete(entity);
      next();
      return;
    }
    const current = (this.active.get(entity) ?? 1) - 1;
    if (current <= 0) this.active.delete(entity);
    else this.active.set(entity, current);
  }
}
