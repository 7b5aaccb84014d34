import { formatValidationErrors, isPlainObject } from '../common/validate-dto';
import { createHash } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  MARKET_NOTIFICATION_DTO_CLASSES,
  MARKET_NOTIFICATION_TYPES,
  parseOffsetDateTime,
  type MarketNotificationDtoByType,
  type MarketNotificationType,
} from './dto';

/**
 * Turns the body of Market's `POST /notification` (already parsed with `parseJsonLossless`, so big int64
 * ids are digit strings) into a validated DTO, and derives the facts the caller needs to store it:
 * a deduplication key, the event's own time and the order it concerns.
 *
 * Nothing here throws on bad input and nothing touches I/O; the HTTP layer decides between 200 and 400.
 */

/** A notification of a type this code knows, validated: narrowing `type` narrows `dto` to that type's DTO. */
export type KnownMarketNotification = {
  [Type in MarketNotificationType]: { known: true; type: Type; dto: MarketNotificationDtoByType[Type] };
}[MarketNotificationType];

/** A type this code does not know (Market adds types): stored as it came, and answered 200. */
export interface UnknownMarketNotification {
  known: false;
  type: string;
  /** A detached copy of the body. */
  dto: Record<string, unknown>;
}

/** Market's `POST /notification`, parsed once: every switch over it is on `type`, and exhaustive. */
export type MarketNotification = KnownMarketNotification | UnknownMarketNotification;

export type MarketNotificationParseResult = ({ ok: true } & MarketNotification) | { ok: false; message: string };

export interface MarketOrderRef {
  campaignId: string;
  orderId: string;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(MARKET_NOTIFICATION_TYPES);
const MAX_NOTIFICATION_TYPE_LENGTH = 64;

export function isKnownMarketNotificationType(type: string): type is MarketNotificationType {
  return KNOWN_TYPES.has(type);
}

/**
 * - body not a plain object → error "body must be a JSON object";
 * - `notificationType` missing, not a string or blank → error naming `notificationType`;
 * - a type this code does not know → `ok` with `known: false` and a detached copy of the body as `dto`
 *   (Market adds types; the caller stores them as unhandled and still answers 200);
 * - a known type → validated DTO instance (ids normalised to strings) or an error naming every offending
 *   field by its full path, e.g. `items[0].offerId must be …` or `orderId is required`.
 * The input is never mutated.
 */
export function parseMarketNotification(body: unknown): MarketNotificationParseResult {
  if (!isPlainObject(body)) {
    return { ok: false, message: 'body must be a JSON object' };
  }
  const type = body['notificationType'];
  if (type === undefined || type === null) {
    return { ok: false, message: 'notificationType is required' };
  }
  if (typeof type !== 'string' || type.trim() === '') {
    return { ok: false, message: 'notificationType must be a non-empty string' };
  }
  // market_events.notification_type is varchar(64): a longer (unknown) type could not be stored (was a 500).
  if (type.length > MAX_NOTIFICATION_TYPE_LENGTH) {
    return { ok: false, message: `notificationType must be at most ${MAX_NOTIFICATION_TYPE_LENGTH} characters` };
  }
  if (!isKnownMarketNotificationType(type)) {
    return { ok: true, type, known: false, dto: copyJsonValue(body) as Record<string, unknown> };
  }

  const dtoClass: new () => object = MARKET_NOTIFICATION_DTO_CLASSES[type];
  // class-transformer builds new objects for every level it visits, so `body` itself stays untouched.
  const dto = plainToInstance(dtoClass, body);
  const errors = validateSync(dto, {
    whitelist: false,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    validationError: { target: false, value: true },
  });
  if (errors.length > 0) {
    return { ok: false, message: formatValidationErrors(errors).join('; ') };
  }
  // The DTO class was chosen by `type`, so the pair is one of KnownMarketNotification's (TypeScript cannot follow the index).
  return { ok: true, known: true, type, dto } as { ok: true } & KnownMarketNotification;
}

/**
 * Deterministic key that is equal for re-deliveries of the same event and differs for different events.
 * Layout: the type, then the identifying ids, then whatever distinguishes two events on the same
 * object, then the event time(s) as canonical UTC instants (so `…+03:00` and the same instant in `Z`
 * collide, as they should):
 *
 * | type                            | key after `TYPE:`                                                  |
 * |---------------------------------|--------------------------------------------------------------------|
 * | PING                            | time (or the body hash when `time` is absent)                      |
 * | ORDER_CREATED                   | campaignId:orderId:createdAt                                       |
 * | ORDER_CANCELLED                 | campaignId:orderId:cancelledAt                                     |
 * | ORDER_STATUS_UPDATED            | campaignId:orderId:status:substatus:updatedAt                      |
 * | ORDER_UPDATED                   | campaignId:orderId:updateType:updatedAt                            |
 * | ORDER_CANCELLATION_REQUEST      | campaignId:orderId:requestedAt                                     |
 * | ORDER_RETURN_CREATED            | campaignId:orderId:returnId:createdAt                              |
 * | ORDER_RETURN_STATUS_UPDATED     | campaignId:orderId:returnId:refundStatus:shipmentStatus:updatedAt  |
 * | GOODS_FEEDBACK_CREATED          | businessId:feedbackId:createdAt:publishedAt                        |
 * | GOODS_FEEDBACK_COMMENT_CREATED  | businessId:commentId:createdAt                                     |
 * | CHAT_CREATED                    | businessId:chatId:createdAt                                        |
 * | CHAT_MESSAGE_SENT               | businessId:chatId:messageId:sentAt                                 |
 * | CHAT_ARBITRAGE_STARTED          | businessId:chatId:startedAt                                        |
 * | CHAT_ARBITRAGE_FINISHED         | businessId:chatId:finishedAt                                       |
 * | QUESTION_CREATED                | businessId:questionId:createdAt                                    |
 * | QUESTION_ANSWER_CREATED         | businessId:answerId:createdAt                                      |
 * | QUESTION_COMMENT_CREATED        | businessId:answerId:commentId:createdAt                            |
 * | anything else                   | `sha256:` + SHA-256 of the canonical JSON of the body              |
 *
 * Free-text parts (enum values, messageId) are percent-encoded so a `:` inside them cannot shift fields;
 * an absent optional part is an empty segment. Expects a DTO returned by `parseMarketNotification`.
 */
export function marketDedupeKey(notification: MarketNotification): string {
  const { type } = notification;
  const fields = notification.dto as Record<string, unknown>;
  const id = (name: string): string => String(fields[name]);
  const text = (value: unknown): string => (value === undefined || value === null ? '' : encodeURIComponent(String(value)));
  const time = (name: string): string => {
    const parsed = parseOffsetDateTime(fields[name]);
    return parsed ? parsed.canonicalUtc : text(fields[name]);
  };
  const key = (...parts: string[]): string => [type, ...parts].join(':');

  if (!notification.known) {
    return key('sha256', sha256Hex(canonicalJson(fields)));
  }
  switch (notification.type) {
    case 'PING':
      return fields['time'] === undefined ? key('sha256', sha256Hex(canonicalJson(fields))) : key(time('time'));
    case 'ORDER_CREATED':
      return key(id('campaignId'), id('orderId'), time('createdAt'));
    case 'ORDER_CANCELLED':
      return key(id('campaignId'), id('orderId'), time('cancelledAt'));
    case 'ORDER_STATUS_UPDATED':
      return key(id('campaignId'), id('orderId'), text(fields['status']), text(fields['substatus']), time('updatedAt'));
    case 'ORDER_UPDATED':
      return key(id('campaignId'), id('orderId'), text(fields['updateType']), time('updatedAt'));
    case 'ORDER_CANCELLATION_REQUEST':
      return key(id('campaignId'), id('orderId'), time('requestedAt'));
    case 'ORDER_RETURN_CREATED':
      return key(id('campaignId'), id('orderId'), id('returnId'), time('createdAt'));
    case 'ORDER_RETURN_STATUS_UPDATED': {
      const statuses = (fields['statuses'] ?? {}) as Record<string, unknown>;
      return key(id('campaignId'), id('orderId'), id('returnId'), text(statuses['refundStatus']), text(statuses['shipmentStatus']), time('updatedAt'));
    }
    case 'GOODS_FEEDBACK_CREATED':
      return key(id('businessId'), id('feedbackId'), time('createdAt'), time('publishedAt'));
    case 'GOODS_FEEDBACK_COMMENT_CREATED':
      return key(id('businessId'), id('commentId'), time('createdAt'));
    case 'CHAT_CREATED':
      return key(id('businessId'), id('chatId'), time('createdAt'));
    case 'CHAT_MESSAGE_SENT':
      return key(id('businessId'), id('chatId'), text(fields['messageId']), time('sentAt'));
    case 'CHAT_ARBITRAGE_STARTED':
      return key(id('businessId'), id('chatId'), time('startedAt'));
    case 'CHAT_ARBITRAGE_FINISHED':
      return key(id('businessId'), id('chatId'), time('finishedAt'));
    case 'QUESTION_CREATED':
      return key(id('businessId'), id('questionId'), time('createdAt'));
    case 'QUESTION_ANSWER_CREATED':
      return key(id('businessId'), id('answerId'), time('createdAt'));
    case 'QUESTION_COMMENT_CREATED':
      return key(id('businessId'), id('answerId'), id('commentId'), time('createdAt'));
  }
}

/**
 * The field that carries when the event happened, per type. For GOODS_FEEDBACK_CREATED it is
 * `publishedAt`, because Market notifies on publication (after moderation), not on creation.
 */
const EVENT_TIME_FIELD: Readonly<Record<MarketNotificationType, string>> = {
  PING: 'time',
  ORDER_CREATED: 'createdAt',
  ORDER_CANCELLED: 'cancelledAt',
  ORDER_STATUS_UPDATED: 'updatedAt',
  ORDER_UPDATED: 'updatedAt',
  ORDER_CANCELLATION_REQUEST: 'requestedAt',
  ORDER_RETURN_CREATED: 'createdAt',
  ORDER_RETURN_STATUS_UPDATED: 'updatedAt',
  GOODS_FEEDBACK_CREATED: 'publishedAt',
  GOODS_FEEDBACK_COMMENT_CREATED: 'createdAt',
  CHAT_CREATED: 'createdAt',
  CHAT_MESSAGE_SENT: 'sentAt',
  CHAT_ARBITRAGE_STARTED: 'startedAt',
  CHAT_ARBITRAGE_FINISHED: 'finishedAt',
  QUESTION_CREATED: 'createdAt',
  QUESTION_ANSWER_CREATED: 'createdAt',
  QUESTION_COMMENT_CREATED: 'createdAt',
};

/**
 * The event's own time (Market: "the later event time is the truth"), or null for unknown types and
 * for a PING without `time`. Sub-millisecond digits are dropped by `Date`.
 */
export function marketEventTime(notification: MarketNotification): Date | null {
  if (!notification.known) return null;
  const parsed = parseOffsetDateTime((notification.dto as unknown as Record<string, unknown>)[EVENT_TIME_FIELD[notification.type]]);
  return parsed ? new Date(parsed.epochMilliseconds) : null;
}

/** `{ campaignId, orderId }` for the ORDER_* types (returns included), null for every other type. */
export function marketOrderRef(notification: MarketNotification): MarketOrderRef | null {
  if (!notification.known) return null;
  switch (notification.type) {
    case 'ORDER_CREATED':
    case 'ORDER_CANCELLED':
    case 'ORDER_STATUS_UPDATED':
    case 'ORDER_UPDATED':
    case 'ORDER_CANCELLATION_REQUEST':
    case 'ORDER_RETURN_CREATED':
    case 'ORDER_RETURN_STATUS_UPDATED':
      return { campaignId: String(notification.dto.campaignId), orderId: String(notification.dto.orderId) };
    case 'PING':
    case 'GOODS_FEEDBACK_CREATED':
    case 'GOODS_FEEDBACK_COMMENT_CREATED':
    case 'CHAT_CREATED':
    case 'CHAT_MESSAGE_SENT':
    case 'CHAT_ARBITRAGE_STARTED':
    case 'CHAT_ARBITRAGE_FINISHED':
    case 'QUESTION_CREATED':
    case 'QUESTION_ANSWER_CREATED':
    case 'QUESTION_COMMENT_CREATED':
      return null;
  }
}

/**
 * Deep copy of JSON-shaped data. Unlike `structuredClone` it never throws on exotic values (they are
 * copied by reference), and a `__proto__` key stays an own property as the lossless parser made it.
 */
function copyJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJsonValue);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    const property = { value: copyJsonValue(member), enumerable: true, writable: true, configurable: true };
    Object.defineProperty(copy, name, property);
  }
  return copy;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level, so equal bodies hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((element) => canonicalJson(element === undefined ? null : element)).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((name) => record[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(record[name])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
