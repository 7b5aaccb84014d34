import { InvalidInputError } from '../common/domain-error';
import { isOrderStatus, ORDER_STATUSES, type OrderStatus } from '../orders/order-status';
import { marketOutboundProblems } from './market-outbound-rules';
import { TICKET_TYPES } from '../imshop-client/imshop-ticket-types';
import { INBOUND_SOURCES, OUTBOUND_TARGETS } from './mapping-systems';
import { inboundMatchKey, type StatusMapping } from './status-mapping.entity';

export interface InboundResolution {
  /** The row that matched, or null when the code is not in the table (a mapping miss). */
  mapping: StatusMapping | null;
  /** null when unmapped or when the row says "no status change". */
  internalStatus: OrderStatus | null;
}

export interface InboundLookup {
  source: string;
  code: string;
  substatus?: string | null;
  ticketType?: string | null;
}

/**
 * Resolution order, most specific first: exact ticket type and substatus, then any substatus,
 * then rows valid for any ticket type.
 */
export function resolveInboundIn(byKey: ReadonlyMap<string, StatusMapping>, lookup: InboundLookup): InboundResolution {
  const types = lookup.ticketType ? [lookup.ticketType, null] : [null];
  const substatuses = lookup.substatus ? [lookup.substatus, null] : [null];
  for (const ticketType of types) {
    for (const substatus of substatuses) {
      const row = byKey.get(inboundMatchKey(lookup.source, ticketType, lookup.code, substatus));
      if (row) return { mapping: row, internalStatus: row.internalStatus };
    }
  }
  return { mapping: null, internalStatus: null };
}

/** Cross-field rules that class-validator cannot express on a single field; messages start with the field. */
export function assertValidRow(
  row: Pick<StatusMapping, 'direction' | 'system' | 'ticketType' | 'externalCode' | 'internalStatus' | 'code'> &
    Partial<Pick<StatusMapping, 'externalSubstatus'>>,
): void {
  const problems: string[] = [];
  if (row.direction === 'inbound') {
    if (!(INBOUND_SOURCES as readonly string[]).includes(row.system)) problems.push(`source must be one of ${INBOUND_SOURCES.join(', ')}`);
    if (!row.externalCode?.trim()) problems.push('externalCode must not be empty');
    if (row.ticketType !== null && row.system !== 'imshop_ticket') problems.push('ticketType is only allowed for source imshop_ticket');
    if (row.ticketType !== null && !(TICKET_TYPES as readonly string[]).includes(row.ticketType)) {
      problems.push(`ticketType must be one of ${TICKET_TYPES.join(', ')}`);
    }
    if (row.internalStatus !== null && !isOrderStatus(row.internalStatus)) problems.push(`internalStatus must be one of ${ORDER_STATUSES.join(', ')} or null`);
  } else {
    if (!(OUTBOUND_TARGETS as readonly string[]).includes(row.system)) problems.push(`target must be one of ${OUTBOUND_TARGETS.join(', ')}`);
    if (!isOrderStatus(row.internalStatus)) problems.push(`internalStatus must be one of ${ORDER_STATUSES.join(', ')}`);
    if (!row.code?.trim()) problems.push('code must not be empty');
    else if (row.system === 'market') problems.push(...marketOutboundProblems(row.code, row.externalSubstatus ?? null));
    else if (row.externalSubstatus) problems.push('externalSubstatus is only allowed on outbound rows of target market');
  }
  if (problems.length) throw new InvalidInputError(problems);
}

/** The key fields of a row an edit tried to write, for the 409 that says which key already exists. */
export function describeKey(row: Partial<StatusMapping> & { source?: string; target?: string }): string {
  return Object.entries(row)
    .filter(([key, value]) => value !== undefined && value !== null && key !== 'matchKey' && key !== 'message')
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}
