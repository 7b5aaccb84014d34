export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Longest Retry-After we honour; a peer asking for more gets the capped schedule instead. */
const RETRY_AFTER_CAP_MS = 3_600_000;

/**
 * Exponential backoff with ±20% jitter (so retries of many deliveries spread out), capped; a
 * Retry-After from the peer wins when it asks for longer, within an hour.
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential * (0.8 + 0.4 * random()));
  if (retryAfterSeconds === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterSeconds * 1000, RETRY_AFTER_CAP_MS));
}
