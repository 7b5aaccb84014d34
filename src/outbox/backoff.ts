export interface BackoffPolicy {
  /** The first retry delay; the whole schedule is scaled by baseMs / 5000 (5000 = the schedule as written). */
  baseMs: number;
  /** No delay exceeds this (before jitter). */
  maxMs: number;
  /** The target's own schedule (its DeliveryPolicy), when it declares one; the documented schedule otherwise. */
  schedule?: readonly number[];
}

/**
 * The documented retry schedule: the delay before retry n (after failed attempt n). Proven practice of
 * webhook platforms: the first retry within seconds, then minutes, then hours. Attempts beyond the
 * list wait as long as the last step.
 */
export const RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;

/** DELIVERY_BACKOFF_MS's default: with it the schedule runs as listed above. */
export const SCHEDULE_BASE_MS = RETRY_SCHEDULE_MS[0];

/** Longest Retry-After we honour; a peer asking for more gets the capped schedule instead. */
export const RETRY_AFTER_CAP_MS = 3_600_000;

/** The delay before retry `attempt` without jitter: the schedule step, scaled and capped. */
export function scheduledDelayMs(attempt: number, policy: BackoffPolicy): number {
  const schedule = policy.schedule?.length ? policy.schedule : RETRY_SCHEDULE_MS;
  const step = schedule[Math.min(Math.max(1, attempt), schedule.length) - 1];
  return Math.min(policy.maxMs, Math.round((step * policy.baseMs) / SCHEDULE_BASE_MS));
}

/**
 * The schedule step with ±20% jitter (so retries of many deliveries spread out); a Retry-After from
 * the peer wins when it asks for longer, within an hour.
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const jittered = Math.round(scheduledDelayMs(attempt, policy) * (0.8 + 0.4 * random()));
  if (retryAfterSeconds === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterSeconds * 1000, RETRY_AFTER_CAP_MS));
}
