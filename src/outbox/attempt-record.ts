import { maskCredentials, maskCredentialsInText } from '../common/credentials';
import { clipText, sanitizeJson, sanitizeText } from '../common/peer-http';
import { retryDelayMs, type BackoffPolicy } from './backoff';
import type { SendResult } from './delivery-targets';
import type { AttemptRecord, Claim } from './outbox.repository';

/** The columns an attempt's texts go to. */
export const ERROR_COLUMN = 1000;
const RESPONSE_JSON_LIMIT = 64 * 1024;

/** What decides the state an attempt leaves its delivery in, beyond the attempt itself. */
export interface AttemptRules {
  maxAttempts: number;
  /** The delivery's target's retry schedule (its DeliveryPolicy), scaled and capped by the configuration. */
  backoff: BackoffPolicy;
}

/**
 * One attempt's row and the state it leaves the delivery in: sent; retrying (when, from the target's schedule or
 * the peer's Retry-After); dead (refused, or no attempts left). A probe's failure never kills the delivery nor
 * delays it: the target is still down, and once it is resumed the delivery goes at once.
 */
export function attemptRecordOf(claim: Claim, token: string, result: SendResult, startedAt: Date, probe: boolean, rules: AttemptRules): AttemptRecord {
  const attempt = claim.attempts;
  const base = {
    id: claim.id,
    token,
    attempt,
    probe,
    outcome: result.outcome,
    startedAt,
    latencyMs: Math.max(0, Math.round(result.latencyMs)),
    statusCode: result.statusCode,
    // A peer may echo what it was sent: credentials in its answer are masked before it is kept (common/credentials.ts).
    responseText: result.responseText === undefined ? null : maskCredentialsInText(sanitizeText(result.responseText)),
  };
  if (result.outcome === 'sent') {
    // A note about the answer (its body cut at 64 KiB, say) stays on the attempt.
    const note = result.error ? errorNote(result.error) : null;
    return { ...base, state: 'sent', error: note, responseJson: storableJson(result.response), retryInMs: null };
  }
  const error = result.error ?? `HTTP ${result.statusCode}`;
  if (result.outcome === 'retry' && probe) return { ...base, state: 'retrying', error: errorNote(error), responseJson: null, retryInMs: 0 };
  if (result.outcome === 'retry' && attempt < rules.maxAttempts) {
    const retryInMs = retryDelayMs(attempt, rules.backoff, result.retryAfterSeconds);
    return { ...base, state: 'retrying', error: errorNote(error), responseJson: null, retryInMs };
  }
  const reason = result.outcome === 'retry' ? `gave up after ${attempt} attempts: ${error}` : error;
  return { ...base, state: 'dead', error: errorNote(reason), responseJson: null, retryInMs: null };
}

/** An attempt's error as its column takes it: sanitized, credentials masked, cut to the column. */
export function errorNote(text: string): string {
  return clipText(maskCredentialsInText(sanitizeText(text)), ERROR_COLUMN);
}

/** The sender's result as jsonb will take it: strings sanitized, credentials masked; a result too large to keep is replaced by a note. */
function storableJson(value: unknown): string {
  const text = JSON.stringify(sanitizeJson(maskCredentials(value ?? null))) ?? 'null';
  return text.length <= RESPONSE_JSON_LIMIT ? text : JSON.stringify({ note: `the result (${text.length} characters) was too large to keep` });
}
