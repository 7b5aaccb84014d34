/** The time an event counts at, and why it is not the time the peer gave, when it is not. */
export interface EventTime {
  at: Date;
  /** Set when the peer's time was replaced by the receive time: kept in the order history. */
  note?: string;
}

/**
 * The latest event time wins, so an event dated in the future (a peer's clock bug) would win over every real
 * event until that date and freeze the order. An event dated more than `maxSkewMs` after it was received
 * counts as received: it is still applied, in the order it arrived, and the history says what the peer
 * claimed. Within the skew the peer's own time stands, so its events keep the order it gave them even when
 * its clock runs a little ahead of ours.
 */
export function boundEventTime(claimed: Date, receivedAt: Date, maxSkewMs: number): EventTime {
  const aheadMs = claimed.getTime() - receivedAt.getTime();
  if (aheadMs <= maxSkewMs) return { at: claimed };
  return {
    at: receivedAt,
    note: `event time ${claimed.toISOString()} is ${describeDuration(aheadMs)} ahead of its receipt (more than the ${describeDuration(maxSkewMs)} allowed): counted at the receive time ${receivedAt.toISOString()}`,
  };
}

/** Adds a sentence to a history note. */
export function withNote(note: string | undefined, extra: string | undefined): string | undefined {
  return [note, extra].filter(Boolean).join('; ') || undefined;
}

function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}
