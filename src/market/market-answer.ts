import { HttpException } from '@nestjs/common';

/** Paths served to Yandex Market: every answer there, errors included, uses Market's body shapes. */
export const MARKET_PATH_PREFIX = '/market';

export type MarketErrorType = 'WRONG_EVENT_FORMAT' | 'DUPLICATED_EVENT' | 'UNKNOWN';

export interface MarketErrorBody {
  error: { type: MarketErrorType; message: string };
}

export interface MarketSuccessBody {
  version: string;
  name: string;
  time: string;
}

/**
 * An answer Market understands. 400 ends Market's retries for that notification, so it is only for
 * a notification that is wrong in itself; anything we failed at is 500 and Market retries.
 */
export class MarketProblem extends HttpException {
  constructor(status: 400 | 403 | 500, type: MarketErrorType, message: string) {
    super({ error: { type, message } } satisfies MarketErrorBody, status);
  }

  static wrongFormat(message: string): MarketProblem {
    return new MarketProblem(400, 'WRONG_EVENT_FORMAT', message);
  }
}

/** Market treats every status but 200 and 400 like a 500; body-parser failures are the notification's fault. */
export function marketErrorFor(status: number, message: string): { status: number; body: MarketErrorBody } {
  if (status === 403) return { status, body: { error: { type: 'UNKNOWN', message } } };
  if (status >= 400 && status < 500) return { status: 400, body: { error: { type: 'WRONG_EVENT_FORMAT', message } } };
  return { status: 500, body: { error: { type: 'UNKNOWN', message: 'the notification was not stored; please retry' } } };
}
