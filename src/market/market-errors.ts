import { DomainError } from '../common/domain-error';

/**
 * A notification that is wrong in itself: Market is answered 400 WRONG_EVENT_FORMAT, which ends its retries
 * of that notification (the message says what is wrong).
 */
export class MarketNotificationRefused extends DomainError {
  readonly kind = 'invalid';
}

/** A notification we failed to store: Market is answered 500 and delivers it again later. */
export class MarketNotificationNotStored extends DomainError {
  readonly kind = 'unavailable';
}
