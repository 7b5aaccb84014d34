import { describe, expect, it } from '@jest/globals';
import { buildJourney, type DeliveryInput, type HistoryInput } from './journey';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, s));

function history(id: number, fields: Partial<HistoryInput>): HistoryInput {
  return {
    id: String(id),
    source: 'market',
    dedupeKey: null,
    outcome: 'applied',
    fromStatus: null,
    toStatus: null,
    externalCode: null,
    externalSubstatus: null,
    eventAt: at(id),
    receivedAt: at(id),
    note: null,
    payload: null,
    ...fields,
  };
}

function delivery(id: number, fields: Partial<DeliveryInput>): DeliveryInput {
  return {
    id: String(id),
    target: 'imshop',
    changeSeq: '1',
    internalStatus: null,
    payload: {},
    state: 'sent',
    attempts: 1,
    nextAttemptAt: at(0),
    lastError: null,
    response: null,
    sentAt: null,
    createdAt: at(0),
    attemptLog: [],
    ...fields,
  };
}

describe('an order journey', () => {
  it('draws each event into order-sync from its party, its status change on order-sync’s lane, and each delivery out with its attempts', () => {
    const rows = buildJourney({
      history: [
        history(1, { dedupeKey: 'market:created', toStatus: 'NEW', payload: { notificationType: 'ORDER_CREATED' } }),
        history(2, { source: 'market_api', outcome: 'info', fromStatus: 'NEW', note: 'details fetched from Market' }),
        history(3, {
          source: 'imshop_ticket',
          fromStatus: 'NEW',
          toStatus: 'READY_TO_SHIP',
          externalCode: 'done',
          payload: { ticketId: 'rsp-sbx-1', status: 'done', key: 'secret' },
        }),
        history(4, { source: 'oms', outcome: 'stale', externalCode: 'packed', note: 'older than the current status' }),
        history(5, {
          source: 'market',
          outcome: 'rejected',
          fromStatus: 'DELIVERED',
          toStatus: 'PROCESSING',
          externalCode: 'PROCESSING',
          note: 'DELIVERED cannot go back to PROCESSING',
        }),
      ],
      deliveries: [
        delivery(7, { target: 'market_fetch', createdAt: at(1) }),
        delivery(8, {
          target: 'imshop',
          state: 'retrying',
          createdAt: at(4),
          nextAttemptAt: at(40),
          payload: { id: '05671863', code: 'packed' },
          attemptLog: [
            { attempt: 1, startedAt: at(4), latencyMs: 12, statusCode: 503, outcome: 'retry', error: 'HTTP 503', response: '{"success":false}' },
            { attempt: 2, startedAt: at(6), latencyMs: 0, statusCode: 0, outcome: 'retry', error: 'timeout after 10000 ms', response: null },
          ],
        }),
        delivery(9, { target: 'imshop_prepare', state: 'pending', createdAt: at(9) }),
      ],
      marketRepeats: new Map([['market:created', { count: 2, lastAt: at(3) }]]),
      pausedTargets: new Set(['imshop_prepare']),
    });
    expect(rows.map((r) => [r.detailId, r.kind, r.from, r.to, r.label, r.outcome])).toEqual([
      ['h1', 'inbound', 'market', 'sync', 'ORDER_CREATED', 'applied'],
      ['h1', 'status', 'sync', 'sync', 'status NEW', 'applied'],
      ['d7', 'outbound', 'sync', 'market', 'details request', 'sent'],
      ['h2', 'note', 'sync', 'sync', 'details fetched from Market', 'info'],
      ['h3', 'inbound', 'tickets', 'sync', 'ticket rsp-sbx-1: done', 'applied'],
      ['h3', 'status', 'sync', 'sync', 'NEW → READY_TO_SHIP', 'applied'],
      ['h4', 'inbound', 'oms', 'sync', 'status packed', 'stale'],
      ['d8', 'outbound', 'sync', 'app', 'status push packed', 'retrying'],
      ['h5', 'inbound', 'market', 'sync', 'notification PROCESSING', 'refused'],
      ['d9', 'outbound', 'sync', 'tickets', 'prepare ticket to the store', 'pending'],
    ]);
    expect(rows[0].repeats).toBe(2);
    expect(rows.find((r) => r.detailId === 'h5')!.facts()).toContainEqual(['outcome', 'refused']);
    expect(rows.find((r) => r.detailId === 'h5')!.reason).toBe('DELIVERED cannot go back to PROCESSING');
    const retrying = rows.find((r) => r.detailId === 'd8')!;
    expect(retrying.attempts.map((a) => [a.status, a.ok, a.error])).toEqual([
      [503, false, 'HTTP 503'],
      [null, false, 'timeout after 10000 ms'],
    ]);
    expect(retrying.nextAttemptAt).toEqual(at(40));
    const paused = rows.find((r) => r.detailId === 'd9')!;
    expect([paused.targetPaused, paused.nextAttemptAt]).toEqual([true, null]);
  });
});
