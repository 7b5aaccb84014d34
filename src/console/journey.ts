/**
 * An order's journey as the console draws it: one row per thing that happened, oldest first, each an arrow
 * between two of five lanes (the parties) or a mark on order-sync's own lane. Built from what the owning modules
 * answer (the order's history, its deliveries with their attempts, Market's inbox repeats); pure, so the rules of
 * the picture are tested without a browser.
 */

export const LANES = [
  { id: 'market', title: 'Yandex Market' },
  { id: 'sync', title: 'order-sync' },
  { id: 'app', title: 'IMSHOP app' },
  { id: 'tickets', title: 'IMSHOP store tickets' },
  { id: 'oms', title: 'Retailer’s OMS' },
] as const;
export type LaneId = (typeof LANES)[number]['id'];

export function laneIndex(lane: LaneId): number {
  return LANES.findIndex((candidate) => candidate.id === lane) + 1;
}

export function laneTitle(lane: LaneId): string {
  return LANES.find((candidate) => candidate.id === lane)!.title;
}

/** A history row as the orders module answers it (only what the journey reads). */
export interface HistoryInput {
  id: string;
  source: string;
  dedupeKey: string | null;
  outcome: string;
  fromStatus: string | null;
  toStatus: string | null;
  externalCode: string | null;
  externalSubstatus: string | null;
  eventAt: Date;
  receivedAt: Date;
  note: string | null;
  payload: unknown;
}

export interface AttemptInput {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number;
  outcome: string;
  error: string | null;
  response: string | null;
}

/** A delivery with its attempts as the outbox answers it. */
export interface DeliveryInput {
  id: string;
  target: string;
  changeSeq: string;
  internalStatus: string | null;
  payload: unknown;
  state: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  response: unknown;
  sentAt: Date | null;
  createdAt: Date;
  attemptLog: AttemptInput[];
}

export interface JourneyInput {
  history: HistoryInput[];
  deliveries: DeliveryInput[];
  /** Market's inbox: how often Market sent an event again, by the history row's dedupe key. */
  marketRepeats: Map<string, { count: number; lastAt: Date | null }>;
  /** Targets paused now. */
  pausedTargets: Set<string>;
}

export interface JourneyAttempt {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  /** The HTTP status, or null when no answer came (the error says why). */
  status: number | null;
  ok: boolean;
  outcome: string;
  error: string | null;
  response: string | null;
}

export interface JourneyRow {
  /** The id of the row's details (`h12`: history row 12; `d5`: delivery 5); a status mark shares its cause's. */
  detailId: string;
  kind: 'inbound' | 'outbound' | 'note' | 'status';
  at: Date;
  from: LaneId;
  to: LaneId;
  label: string;
  /** applied, unchanged, stale, refused, unmapped, info; for a delivery its state. */
  outcome: string;
  /** Why (the history row's note, the delivery's last error). */
  reason: string | null;
  repeats: number;
  attempts: JourneyAttempt[];
  /** A delivery still waiting: when its next attempt is due, or that its target is paused. */
  nextAttemptAt: Date | null;
  targetPaused: boolean;
  /** What the details show (worked out only for the row whose details are shown). */
  facts: () => [string, string][];
  body: unknown;
  bodyTitle: string;
  answer: unknown;
}

const SOURCE_LANES: Record<string, LaneId> = {
  market: 'market',
  market_poll: 'market',
  imshop_ticket: 'tickets',
  imshop_app: 'app',
  oms: 'oms',
};

/** Where a delivery of the target goes. */
export function targetLane(target: string): LaneId {
  if (target === 'imshop') return 'app';
  if (target.startsWith('market')) return 'market';
  if (target.startsWith('imshop_')) return 'tickets';
  return 'sync';
}

const OUTCOME_WORDS: Record<string, string> = { rejected: 'refused' };

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function codeOf(row: HistoryInput): string {
  return [row.externalCode, row.externalSubstatus].filter(Boolean).join('/');
}

/** What an inbound event is called on its arrow. */
export function inboundLabel(row: HistoryInput): string {
  const payload = record(row.payload);
  switch (row.source) {
    case 'market': {
      const type = text(payload.notificationType) ?? 'notification';
      const code = codeOf(row);
      return code ? `${type} ${code}` : type;
    }
    case 'market_poll':
      return `pulled from Market: ${codeOf(row) || 'changes'}`;
    case 'imshop_ticket': {
      const ticket = text(payload.ticketId);
      return `${ticket ? `ticket ${ticket}` : 'ticket'}: ${row.externalCode ?? text(payload.status) ?? 'status'}`;
    }
    case 'imshop_app':
      return row.externalCode ? `app: ${row.externalCode}` : 'cancellation from the app';
    case 'oms':
      return `status ${row.externalCode ?? text(payload.code) ?? ''}`.trim();
    default:
      return codeOf(row) || row.source;
  }
}

/** What a delivery is called on its arrow. */
export function deliveryLabel(delivery: Pick<DeliveryInput, 'target' | 'payload' | 'internalStatus'>): string {
  const payload = record(delivery.payload);
  switch (delivery.target) {
    case 'imshop':
      return `status push ${text(payload.code) ?? delivery.internalStatus ?? ''}`.trim();
    case 'market':
      return `status push ${[text(payload.status), text(payload.substatus)].filter(Boolean).join('/') || (delivery.internalStatus ?? '')}`.trim();
    case 'market_fetch':
      return 'details request';
    case 'market_cancel':
      return 'cancellation answer';
    case 'imshop_prepare':
      return 'prepare ticket to the store';
    case 'imshop_withdraw':
      return 'ticket withdrawal';
    default:
      return delivery.target;
  }
}

function noteLabel(row: HistoryInput): string {
  if (row.source === 'admin') return row.toStatus && row.outcome === 'applied' ? `set by hand: ${row.toStatus}` : `admin: ${row.note ?? row.outcome}`;
  return row.note ?? `${row.source}: ${row.outcome}`;
}

function historyRows(row: HistoryInput, repeats: JourneyInput['marketRepeats']): JourneyRow[] {
  const lane = SOURCE_LANES[row.source];
  const repeat = row.dedupeKey ? repeats.get(row.dedupeKey) : undefined;
  const changed = row.outcome === 'applied' && row.toStatus !== null && row.toStatus !== row.fromStatus;
  const outcome = OUTCOME_WORDS[row.outcome] ?? row.outcome;
  const facts = (): [string, string][] => {
    const list: [string, string][] = [
      ['source', row.source],
      ['outcome', outcome + (repeat?.count ? `; Market sent it ${repeat.count} more time${repeat.count === 1 ? '' : 's'}` : '')],
      ['event time', row.eventAt.toISOString()],
      ['received', row.receivedAt.toISOString()],
    ];
    if (codeOf(row)) list.push(['code', codeOf(row)]);
    if (row.fromStatus || row.toStatus) list.push(['status', `${row.fromStatus ?? '—'} → ${row.toStatus ?? '(unchanged)'}`]);
    if (row.note) list.push(['note', row.note]);
    if (row.dedupeKey) list.push(['dedupe key', row.dedupeKey]);
    return list;
  };
  const base: JourneyRow = {
    detailId: `h${row.id}`,
    kind: lane ? 'inbound' : 'note',
    at: row.receivedAt,
    from: lane ?? 'sync',
    to: 'sync',
    label: lane ? inboundLabel(row) : noteLabel(row),
    outcome,
    reason: row.note,
    repeats: repeat?.count ?? 0,
    attempts: [],
    nextAttemptAt: null,
    targetPaused: false,
    facts,
    body: row.payload,
    bodyTitle: 'Body received',
    answer: undefined,
  };
  if (!changed) return [base];
  // The order's own lane marks the change right after the event that made it.
  return [
    base,
    { ...base, kind: 'status', from: 'sync', to: 'sync', label: row.fromStatus ? `${row.fromStatus} → ${row.toStatus}` : `status ${row.toStatus}` },
  ];
}

function deliveryRow(delivery: DeliveryInput, pausedTargets: Set<string>): JourneyRow {
  const attempts = delivery.attemptLog.map<JourneyAttempt>((a) => ({
    attempt: a.attempt,
    startedAt: a.startedAt,
    latencyMs: a.latencyMs,
    status: a.statusCode > 0 ? a.statusCode : null,
    ok: a.statusCode >= 200 && a.statusCode < 300 && a.outcome === 'sent',
    outcome: a.outcome,
    error: a.error,
    response: a.response,
  }));
  const waiting = delivery.state === 'pending' || delivery.state === 'retrying' || delivery.state === 'in_flight';
  const paused = waiting && pausedTargets.has(delivery.target);
  const facts = (): [string, string][] => {
    const list: [string, string][] = [
      ['delivery', `${delivery.id} to ${delivery.target}`],
      ['state', delivery.state + (paused ? ' (target paused)' : '')],
      ['attempts', String(delivery.attempts)],
      ['created', delivery.createdAt.toISOString()],
    ];
    if (delivery.internalStatus) list.push(['for status', delivery.internalStatus]);
    if (delivery.sentAt) list.push(['sent', delivery.sentAt.toISOString()]);
    if (waiting) list.push(['next attempt', paused ? 'when the target is resumed' : delivery.nextAttemptAt.toISOString()]);
    if (delivery.lastError) list.push(['last error', delivery.lastError]);
    return list;
  };
  return {
    detailId: `d${delivery.id}`,
    kind: 'outbound',
    at: delivery.createdAt,
    from: 'sync',
    to: targetLane(delivery.target),
    label: deliveryLabel(delivery),
    outcome: delivery.state,
    reason: delivery.lastError,
    repeats: 0,
    attempts,
    nextAttemptAt: waiting && !paused ? delivery.nextAttemptAt : null,
    targetPaused: paused,
    facts,
    body: delivery.payload,
    bodyTitle: 'Body sent',
    answer: delivery.response,
  };
}

/**
 * The rows in time order: history rows by when order-sync received them, deliveries by when they were created
 * (in the transaction of the change that caused them, so at the same instant as its history row: the cause is
 * drawn first).
 */
export function buildJourney(input: JourneyInput): JourneyRow[] {
  const keyed: { at: number; kind: number; seq: bigint; part: number; row: JourneyRow }[] = [];
  for (const row of input.history) {
    for (const [part, built] of historyRows(row, input.marketRepeats).entries())
      keyed.push({ at: row.receivedAt.getTime(), kind: 0, seq: BigInt(row.id), part, row: built });
  }
  for (const delivery of input.deliveries) {
    keyed.push({ at: delivery.createdAt.getTime(), kind: 1, seq: BigInt(delivery.id), part: 0, row: deliveryRow(delivery, input.pausedTargets) });
  }
  keyed.sort((a, b) => a.at - b.at || a.kind - b.kind || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0) || a.part - b.part);
  return keyed.map((entry) => entry.row);
}
