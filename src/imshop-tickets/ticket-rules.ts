import { boundedKey } from '../common/stored-text';
import { TICKET_TYPES, type TicketType } from '../imshop-client/imshop-ticket-types';
import { parseUnixTimestamp } from '../imshop-client/imshop-validators';

/**
 * Pure rules about IMSHOP tickets (заявки): which status belongs to which ticket type, what a status
 * says about the ticket's life, the event time and the inbox dedupe key of a status webhook.
 *
 * The webhook carries no ticket type, so the type comes from the ticket registry; when the ticket is
 * unknown, {@link inferTicketType} names the type only if the status belongs to exactly one type.
 */

/** Statuses the newer documentation allows for every ticket type. */
export const ALL_TYPE_TICKET_STATUSES = ['not-accepted', 'timeout', 'advance'] as const;

/** Seed 000, "Список возможных статусов", per ticket type (without the all-type statuses). */
const OWN_STATUSES: Record<TicketType, readonly string[]> = {
  prepare: ['done', 'failed', 'partiallyDone'],
  ship: ['shipped', 'failed', 'partiallyShipped'],
  receive: ['received', 'failed', 'returned', 'partiallyReturned', 'handedOver', 'partiallyHandedOver', 'notHandedOver'],
  release: ['released', 'failed'],
  cancel: ['cancelled'],
};

/** Every status valid for each ticket type: the seed's list plus `not-accepted`, `timeout`, `advance`. */
export const TICKET_STATUSES_BY_TYPE: Readonly<Record<TicketType, readonly string[]>> = Object.freeze(
  Object.fromEntries(TICKET_TYPES.map((type) => [type, Object.freeze([...OWN_STATUSES[type], ...ALL_TYPE_TICKET_STATUSES])])) as Record<
    TicketType,
    readonly string[]
  >,
);

/**
 * Statuses after which IMSHOP sends nothing more for the ticket.
 * - `received` (receive) is not final: the buyer then takes the order, or it goes back.
 * - `notHandedOver` / `partiallyHandedOver` (receive) are not final: the refused goods are then
 *   `returned` / `partiallyReturned` within the same receive ticket (there is no separate return ticket).
 * - `advance` is not final (the ticket moved to its next step). `timeout` ends the ticket ("заявка
 *   завершилась по таймауту шага") and so does `not-accepted` (nobody took it in time): both are final.
 */
const FINAL_STATUSES: Record<TicketType, readonly string[]> = {
  prepare: ['done', 'failed', 'partiallyDone'],
  ship: ['shipped', 'failed', 'partiallyShipped'],
  receive: ['failed', 'returned', 'partiallyReturned', 'handedOver'],
  release: ['released', 'failed'],
  cancel: ['cancelled'],
};
const FINAL_ALL_TYPE_STATUSES: readonly string[] = ['not-accepted', 'timeout'];

export function isTicketType(value: unknown): value is TicketType {
  return typeof value === 'string' && (TICKET_TYPES as readonly string[]).includes(value);
}

/** True when `status` is documented for ticket `type` (an unknown type or status is false). */
export function isStatusValidForType(type: TicketType | string, status: string): boolean {
  return isTicketType(type) && TICKET_STATUSES_BY_TYPE[type].includes(status);
}

/**
 * The ticket type that owns `status`, when exactly one type has it (`done` → prepare, `cancelled` → cancel).
 * Null when the status belongs to several types (`failed`: prepare, ship, receive, release), to every type
 * (`not-accepted`, `timeout`, `advance`), or to none (unknown status).
 */
export function inferTicketType(status: string): TicketType | null {
  const owners = TICKET_TYPES.filter((type) => TICKET_STATUSES_BY_TYPE[type].includes(status));
  return owners.length === 1 ? owners[0] : null;
}

/** True when no further status is expected for a ticket of `type` after `status`; false for unknown pairs. */
export function isFinalTicketStatus(type: TicketType | string, status: string): boolean {
  if (!isStatusValidForType(type, status)) return false;
  return FINAL_ALL_TYPE_STATUSES.includes(status) || FINAL_STATUSES[type as TicketType].includes(status);
}

/** The parts of a status webhook the rules below read (the validated DTO or a raw body both fit). */
export interface TicketEventLike {
  ticketId: string | number;
  status: string;
  step?: string | number | null;
  metadata?: { timestamp?: unknown } | null;
}

/**
 * When the status changed, from `metadata.timestamp`: a unix timestamp in **seconds**, given as a string
 * (IMSHOP's examples: `"1591207746"`) or a number, fractions allowed. A value ≥ 1e12 is read as
 * **milliseconds** (1e12 s would be the year 33658). Null when absent or not numeric; the caller then
 * falls back to the receive time.
 */
export function ticketEventTime(event: Pick<TicketEventLike, 'metadata'>): Date | null {
  const ms = parseUnixTimestamp(event.metadata?.timestamp);
  return ms === null ? null : new Date(ms);
}

/**
 * Inbox dedupe key of a status webhook: `<ticketId>|<status>|<event time in epoch ms>[|<step>]`.
 * - The time is canonical, so `"1591207746"`, `1591207746` and `1591207746000` give the same key; `-` when
 *   the timestamp is missing or unreadable (a replay of the same status then still dedupes).
 * - `step` is appended only when present (not null/empty): `advance` to two different steps in the same
 *   second are two events.
 * - Each part has `%` and `|` percent-escaped, so different events never produce the same key.
 * The key is not prefixed with a source: scope the unique index by source (or prefix it) in the inbox.
 */
export function ticketDedupeKey(event: TicketEventLike): string {
  const ms = parseUnixTimestamp(event.metadata?.timestamp);
  const parts = [String(event.ticketId), event.status, ms === null ? '-' : String(ms)];
  if (event.step !== undefined && event.step !== null && String(event.step) !== '') parts.push(String(event.step));
  return parts.map(escapeKeyPart).join('|');
}

/** Dedupe keys are indexed; a longer one (long ticket id and step) is stored as its hash. */
const MAX_STORED_KEY_LENGTH = 400;
const STORED_KEY_PREFIX = 'imshop_ticket:';

/** The dedupe key a status webhook is stored under (its event and its order history row): {@link ticketDedupeKey}, scoped. */
export function storedEventKey(event: TicketEventLike): string {
  return boundedKey(`${STORED_KEY_PREFIX}${ticketDedupeKey(event)}`, MAX_STORED_KEY_LENGTH, STORED_KEY_PREFIX);
}

/**
 * Our own event on a withdrawn ticket (closed: it gets no further statuses), withdrawn by cancel ticket
 * `byImshopId`, or by itself when IMSHOP answered our cancel request with the ticket's own id.
 */
export function withdrawalRecord(targetImshopId: string, byImshopId: string): { dedupeKey: string; note: string } {
  return {
    dedupeKey: boundedKey(`${STORED_KEY_PREFIX}withdrawn|${targetImshopId}|${byImshopId}`, MAX_STORED_KEY_LENGTH, STORED_KEY_PREFIX),
    note: byImshopId === targetImshopId ? 'withdrawn at our request' : `withdrawn by cancel ticket ${byImshopId}`,
  };
}

function escapeKeyPart(part: string): string {
  return part.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

/** The webhook body as stored: never with the auth key. */
export function withoutKey(body: Record<string, unknown>): Record<string, unknown> {
  const { key: _key, ...rest } = body;
  return rest;
}
