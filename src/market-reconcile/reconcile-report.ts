import { DomainError } from '../common/domain-error';

export interface ReconcileCounts {
  seen: number;
  /** Existing orders whose status the pull moved. */
  changed: number;
  /** Orders we did not know, created by the pull. */
  created: number;
  /** Everything else: same status, older than what we have (stale), already pulled (duplicate), refused by the state machine, unmapped. */
  unchanged: number;
}

/**
 * Why a run stopped before the end of its window. `page_limit`: it read MAX_PAGES_PER_RUN pages (a run of the
 * cursor goes on from there next time); `page_token_repeated`: Market gave a page token it had given before in
 * the run, so reading on would read the same pages forever (and spend the method's hourly limit).
 */
export const RECONCILE_STOP_REASONS = ['page_limit', 'page_token_repeated'] as const;
export type ReconcileStopReason = (typeof RECONCILE_STOP_REASONS)[number];

export interface ReconcileStop {
  reason: ReconcileStopReason;
  message: string;
}

export interface ReconcileReport extends ReconcileCounts {
  campaignId: string;
  businessId: string;
  /** cursor: from the stored cursor, advancing it; window: the given since/until, the cursor untouched. */
  mode: 'cursor' | 'window';
  since: string;
  until: string;
  pages: number;
  /** True when this run continued one cut short (it re-read the page that was not finished). */
  resumed: boolean;
  /** Why the non-`unchanged` ones were not changes: stale, duplicate, unchanged, rejected, unmapped, ... */
  outcomes: Record<string, number>;
  durationMs: number;
  /** Present when the run stopped before the end of its window: why. */
  stopped?: ReconcileStop;
}

export interface ReconcileRequest {
  campaignId: string;
  since?: Date;
  until?: Date;
}

/**
 * A run that stopped before its last page (Market error, rate limit too long); what was applied stays applied.
 * `partial` has the counts so far; the admin endpoint answers 429 (rate limited) or 502 with them.
 */
export class ReconcileError extends DomainError {
  readonly kind = 'peer_failed';

  constructor(
    message: string,
    readonly partial: ReconcileReport,
    readonly rateLimited: boolean,
  ) {
    super(message);
  }
}
