import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { pageOf } from '../database/paging';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryPool } from '../database/delivery-pool';
import { DeliveryTarget, type PauseReason } from './delivery-target.entity';
import { Delivery } from './delivery.entity';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import { deleteOldestBefore } from '../database/delete-oldest';
import { hydrate } from '../database/hydrate';

/** What a claim made of one delivery. */
export type ClaimVerdict =
  /** In flight now: this worker sends it. */
  | 'claimed'
  /** A newer delivery of its order and target exists: it is never sent. */
  | 'superseded'
  /** Its last attempt was never recorded and it has no attempts left. */
  | 'dead'
  /** Its target is paused: it waits as it is. */
  | 'paused'
  /** Another delivery of its order and target is in flight: it is queued again when that one is recorded. */
  | 'busy'
  /** Not due, already in flight, finished or gone: nothing to do. */
  | 'skipped';

export interface Claim {
  id: string;
  verdict: ClaimVerdict;
  target: string;
  /** The attempts counted so far: a claimed one included, unless it is a probe (probes spend none). */
  attempts: number;
  payload: unknown;
}

/** A delivery to claim, and the token its lease will carry if it is claimed: only its holder records or renews it. */
export interface ClaimRequest {
  id: string;
  token: string;
}

export interface ClaimOptions {
  /** The probe of a paused target: ignores the pause, the schedule and the attempt limit, and spends no attempt. */
  probe: boolean;
  maxAttempts: number;
  leaseMs: number;
  /**
   * By target, element n - 1: how long after claiming attempt n it is due again if its outcome is never recorded
   * (the target's backoff step, at least the lease). A target missing here, or past its list: the lease.
   */
  unrecordedDelaysMs: Record<string, number[]>;
  /** Targets whose deliveries go in order (their ordering policy is `in-order`); for every other one the newest wins. */
  inOrderTargets: string[];
}

/** One attempt's outcome and the state it leaves its delivery in. */
export interface AttemptRecord {
  id: string;
  /** The lease token of the claim this attempt was made under. */
  token: string;
  /** The attempts counted at its claim: this attempt's number, or for a probe the attempts made before it. */
  attempt: number;
  /** A probe of a paused target: logged, counted against nothing. */
  probe: boolean;
  state: 'sent' | 'retrying' | 'dead';
  outcome: 'sent' | 'retry' | 'dead';
  startedAt: Date;
  latencyMs: number;
  statusCode: number;
  /** Already cut to its column. */
  error: string | null;
  /** The peer's answer as text, sanitized and bounded. */
  responseText: string | null;
  /** The sender's result, serialized and sanitized (jsonb takes it); kept on the delivery when sent. */
  responseJson: string | null;
  /** retrying: when the next attempt is due, from now. */
  retryInMs: number | null;
}

export interface Recorded {
  /** False when the lease was lost (the delivery was claimed again meanwhile): the attempt is logged, the state left alone. */
  recorded: boolean;
  /** Waiting deliveries of the same order and target, due now (in order: the next step only): queued so they need not wait for the sweeper. */
  next: { id: string; attempts: number }[];
}

export interface DueDelivery {
  id: string;
  attempts: number;
  delayMs: number;
}

/** A deliveries row to insert. */
export interface DeliveryRow {
  orderId: string;
  target: string;
  changeSeq: string;
  internalStatus: string | null;
  payload: unknown;
}

const SUPERSEDED_NOTE = 'a newer status of this order is being or has been delivered';
const STEP_PASSED_NOTE = 'a later step of this order was accepted by the target: it is past this one';
const GAVE_UP_NOTE = 'gave up: no attempts left (the outcome of the last one was never recorded)';
const LEASE_LOST_NOTE = "its worker's lease ended before the attempt's outcome was recorded (the worker stopped or lost the database)";

/**
 * The ordering policies as SQL, for delivery `d` (`inOrder`: the parameter holding the in-order targets). A
 * delivery's siblings are the deliveries of its order and target, ordered by (change_seq, id): the order of the
 * changes, and of the steps one change asked for.
 *
 * Superseded: newest-wins, a later sibling exists in any state; in-order, a later sibling was accepted (sent).
 */
const supersededSql = (d: string, inOrder: string) =>
  `EXISTS (SELECT 1 FROM deliveries n WHERE n.order_id = ${d}.order_id AND n.target = ${d}.target AND (n.change_seq, n.id) > (${d}.change_seq, ${d}.id)
     AND (${d}.target <> ALL (${inOrder}::text[]) OR n.state = 'sent'))`;
/** Waits for a sibling: one is in flight, or (in-order) an earlier one is still pending or retrying. */
const waitsForSiblingSql = (d: string, inOrder: string) =>
  `EXISTS (SELECT 1 FROM deliveries e WHERE e.order_id = ${d}.order_id AND e.target = ${d}.target AND e.id <> ${d}.id AND (e.state = 'in_flight'
     OR (${d}.target = ANY (${inOrder}::text[]) AND (e.change_seq, e.id) < (${d}.change_seq, ${d}.id) AND e.state IN ('pending', 'retrying'))))`;

/**
 * Every statement on the outbox's tables (deliveries, delivery_attempts, delivery_targets). The worker's hot
 * path (claim, record, renew, sweep, health) runs on the delivery pool; writes that must commit with an order
 * change use the caller's transaction; admin reads use the request path's data source.
 */
@Injectable()
export class OutboxRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: DeliveryPool,
  ) {}

  // ------------------------------------------------------------------ request path

  /** Inserts deliveries in the caller's transaction, in one statement; returns their ids in the rows' order. */
  async insert(manager: EntityManager, deliveries: DeliveryRow[]): Promise<string[]> {
    // In the rows' order (WITH ORDINALITY, ORDER BY): a change that asks for several steps of one target gets ids in step order.
    const rows = (await manager.query(
      `INSERT INTO deliveries (order_id, target, change_seq, internal_status, payload)
       SELECT order_id, target, change_seq, internal_status, payload::jsonb
       FROM unnest($1::uuid[], $2::varchar[], $3::bigint[], $4::varchar[], $5::text[]) WITH ORDINALITY AS d(order_id, target, change_seq, internal_status, payload, n)
       ORDER BY n
       RETURNING id`,
      [
        deliveries.map((d) => d.orderId),
        deliveries.map((d) => d.target),
        deliveries.map((d) => d.changeSeq),
        deliveries.map((d) => d.internalStatus),
        deliveries.map((d) => JSON.stringify(d.payload)),
      ],
    )) as { id: string }[];
    // Ids are drawn in insertion order, so sorting them gives the rows' order whatever order RETURNING uses.
    return rows
      .map((row) => BigInt(row.id))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map(String);
  }

  // ------------------------------------------------------------------ worker: claim, record, renew

  /**
   * Claims due deliveries in one short statement (its own transaction): each is superseded (its target's ordering
   * policy says a later sibling makes it pointless), left waiting (paused target, a sibling in flight, or in-order an
   * earlier step not yet settled), given up (no attempts left), or put in flight under its lease token with its
   * attempt counted (not a probe's), a lease, and next_attempt_at moved to its backoff step, so that an outcome
   * never recorded (a crash, the database gone) waits as a failure would. A sibling claimed concurrently by another
   * statement makes this one fail on ux_deliveries_in_flight.
   */
  async claim(requests: ClaimRequest[], options: ClaimOptions): Promise<Claim[]> {
    const rows = await this.pool.query<{ id: string; verdict: ClaimVerdict; target: string; attempts: number; payload: unknown }>(
      `WITH req AS (
         SELECT * FROM unnest($1::bigint[], $2::uuid[]) AS r(id, token)
       ), candidate AS (
         SELECT d.id, d.target, d.attempts, COALESCE(t.paused, false) AS paused,
                ${supersededSql('d', '$8')} AS superseded,
                ${waitsForSiblingSql('d', '$8')} AS busy
         FROM deliveries d LEFT JOIN delivery_targets t ON t.target = d.target
         WHERE d.id IN (SELECT id FROM req) AND d.state IN ('pending', 'retrying') AND ($3::boolean OR d.next_attempt_at <= now() + interval '1 second')
         FOR UPDATE OF d SKIP LOCKED
       ), verdict AS (
         SELECT c.*, CASE
           WHEN c.superseded THEN 'superseded'
           WHEN c.paused AND NOT $3 THEN 'paused'
           WHEN c.busy THEN 'busy'
           WHEN c.attempts >= $4 AND NOT $3 THEN 'dead'
           ELSE 'claimed' END AS verdict
         FROM candidate c
       ), changed AS (
         UPDATE deliveries d SET
           state = CASE v.verdict WHEN 'claimed' THEN 'in_flight' ELSE v.verdict END,
           attempts = d.attempts + (v.verdict = 'claimed' AND NOT $3)::int,
           lease_token = CASE WHEN v.verdict = 'claimed' THEN r.token ELSE d.lease_token END,
           lease_until = CASE WHEN v.verdict = 'claimed' THEN now() + make_interval(secs => $6::float8 / 1000) END,
           next_attempt_at = CASE WHEN v.verdict <> 'claimed' THEN d.next_attempt_at
             WHEN $3 THEN now() + make_interval(secs => $6::float8 / 1000)
             ELSE now() + make_interval(secs => GREATEST($6::float8, COALESCE((($5::jsonb -> d.target) ->> d.attempts)::float8, $6::float8)) / 1000) END,
           last_error = CASE v.verdict
             WHEN 'superseded' THEN CASE WHEN d.target = ANY ($8::text[]) THEN $9 ELSE $7 END
             WHEN 'dead' THEN $10 ELSE d.last_error END,
           updated_at = now()
         FROM verdict v JOIN req r ON r.id = v.id
         WHERE d.id = v.id AND v.verdict IN ('claimed', 'superseded', 'dead')
         RETURNING d.id, d.attempts, d.payload
       )
       SELECT v.id, v.verdict, v.target, COALESCE(c.attempts, v.attempts) AS attempts, c.payload
       FROM verdict v LEFT JOIN changed c ON c.id = v.id`,
      [
        requests.map((r) => r.id),
        requests.map((r) => r.token),
        options.probe,
        options.maxAttempts,
        JSON.stringify(options.unrecordedDelaysMs),
        options.leaseMs,
        SUPERSEDED_NOTE,
        options.inOrderTargets,
        STEP_PASSED_NOTE,
        GAVE_UP_NOTE,
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return requests.map(({ id }) => {
      const row = byId.get(id);
      return row
        ? { id, verdict: row.verdict, target: row.target, attempts: row.attempts, payload: row.verdict === 'claimed' ? row.payload : undefined }
        : { id, verdict: 'skipped', target: '', attempts: 0, payload: undefined };
    });
  }

  /**
   * Records attempts in one short statement: each delivery's new state, only if the attempt's claim still holds it
   * (its lease token, in flight or released by the sweeper but not claimed again since: a late outcome is still
   * the latest word), and the attempt row (always: the request was made). Returns, per delivery, the waiting
   * siblings that are due now (for an in-order target, the next step only).
   */
  async record(records: AttemptRecord[], inOrderTargets: string[]): Promise<Recorded[]> {
    const column = <K extends keyof AttemptRecord>(key: K) => records.map((r) => r[key]);
    const rows = await this.pool.query<{ id: string; next_id: string | null; next_attempts: number | null }>(
      `WITH r AS (
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::int[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::boolean[])
           AS r(id, token, attempt, state, outcome, started_at, latency_ms, status_code, error, response_text, response_json, retry_in_ms, probe)
       ), changed AS (
         UPDATE deliveries d SET
           state = r.state,
           next_attempt_at = CASE WHEN r.state = 'retrying' THEN now() + make_interval(secs => r.retry_in_ms / 1000) ELSE d.next_attempt_at END,
           last_error = CASE WHEN r.state = 'sent' THEN NULL ELSE r.error END,
           response = CASE WHEN r.state = 'sent' THEN r.response_json::jsonb ELSE d.response END,
           sent_at = CASE WHEN r.state = 'sent' THEN now() ELSE d.sent_at END,
           lease_until = NULL,
           updated_at = now()
         FROM r WHERE d.id = r.id AND d.lease_token = r.token AND d.attempts = r.attempt AND d.state IN ('in_flight', 'retrying')
         RETURNING d.id, d.order_id, d.target
       ), logged AS (
         INSERT INTO delivery_attempts (delivery_id, attempt, probe, started_at, latency_ms, status_code, outcome, error, response_text)
         SELECT id, attempt, probe, started_at, latency_ms, status_code, outcome, error, response_text FROM r
       )
       SELECT c.id, w.id AS next_id, w.attempts AS next_attempts FROM changed c
       LEFT JOIN LATERAL (
         SELECT w.id, w.attempts FROM deliveries w
         WHERE w.order_id = c.order_id AND w.target = c.target AND w.state IN ('pending', 'retrying') AND w.next_attempt_at <= now() + interval '1 second'
         ORDER BY w.change_seq, w.id
         LIMIT CASE WHEN c.target = ANY ($14::text[]) THEN 1 END
       ) w ON true`,
      [
        column('id'),
        column('token'),
        column('attempt'),
        column('state'),
        column('outcome'),
        column('startedAt'),
        column('latencyMs'),
        column('statusCode'),
        column('error'),
        column('responseText'),
        column('responseJson'),
        column('retryInMs'),
        column('probe'),
        inOrderTargets,
      ],
    );
    const byId = new Map<string, Recorded>();
    for (const row of rows) {
      const entry = byId.get(row.id) ?? { recorded: true, next: [] };
      if (row.next_id !== null) entry.next.push({ id: row.next_id, attempts: row.next_attempts! });
      byId.set(row.id, entry);
    }
    return records.map((r) => byId.get(r.id) ?? { recorded: false, next: [] });
  }

  /**
   * Extends the leases this worker still holds (a slow peer, a queue at Market's limiter); returns the tokens
   * renewed. A lease missing from the answer is no longer this worker's: released by a sweeper, or recorded.
   */
  async renewLeases(held: { id: string; token: string }[], leaseMs: number): Promise<Set<string>> {
    const rows = await this.pool.query<{ token: string }>(
      `UPDATE deliveries d SET lease_until = now() + make_interval(secs => $3::float8 / 1000),
         next_attempt_at = GREATEST(d.next_attempt_at, now() + make_interval(secs => $3::float8 / 1000))
       FROM unnest($1::bigint[], $2::uuid[]) AS l(id, token)
       WHERE d.id = l.id AND d.lease_token = l.token AND d.state = 'in_flight'
       RETURNING d.lease_token::text AS token`,
      [held.map((l) => l.id), held.map((l) => l.token), leaseMs],
    );
    return new Set(rows.map((row) => row.token));
  }

  /**
   * Gives back a claim whose request never left (its lease could lapse before a whole request): waiting again, due
   * now, its attempt not counted. False when the claim no longer holds it.
   */
  async releaseUnsent(id: string, token: string, attempt: number, probe: boolean): Promise<boolean> {
    const rows = await this.pool.query(
      `UPDATE deliveries SET state = 'retrying', attempts = attempts - $4::int, lease_until = NULL, next_attempt_at = now(), updated_at = now()
       WHERE id = $1 AND lease_token = $2 AND attempts = $3 AND state = 'in_flight' RETURNING id`,
      [id, token, attempt, probe ? 0 : 1],
    );
    return rows.length > 0;
  }

  /**
   * In-flight deliveries whose lease ended wait again, their attempt counted, until their backoff step; their
   * siblings are no longer held back. Safe while their worker may still live: a worker never starts a request it
   * could not end before its lease does (DeliveryAttemptsService), so a lease past its end has no request out. The
   * token stays: that worker's late outcome is still recorded if nobody claimed the delivery since.
   */
  async releaseExpiredLeases(limit: number): Promise<number> {
    const rows = await this.pool.query(
      `UPDATE deliveries SET state = 'retrying', lease_until = NULL, last_error = $2, updated_at = now()
       WHERE id IN (SELECT id FROM deliveries WHERE state = 'in_flight' AND lease_until < now() - interval '2 seconds' LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [limit, LEASE_LOST_NOTE],
    );
    return rows.length;
  }

  /**
   * Due for a while with no job: a queue outage, a crash after commit, a lease released above. Deliveries that wait
   * for a sibling are left out: the sibling's record queues them.
   */
  async overdue(limit: number, inOrderTargets: string[]): Promise<DueDelivery[]> {
    const rows = await this.pool.query<{ id: string; attempts: number }>(
      `SELECT d.id, d.attempts FROM deliveries d WHERE d.state IN ('pending', 'retrying') AND d.next_attempt_at < now() - interval '2 seconds'
         AND d.target NOT IN (SELECT target FROM delivery_targets WHERE paused)
         AND NOT ${waitsForSiblingSql('d', '$2')}
       ORDER BY d.next_attempt_at LIMIT $1`,
      [limit, inOrderTargets],
    );
    return rows.map((row) => ({ id: row.id, attempts: row.attempts, delayMs: 0 }));
  }

  /** One page (by id) of a target's waiting deliveries, each with the time left until it is due. */
  async waitingOfTarget(target: string, afterId: string, limit: number): Promise<DueDelivery[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, attempts, GREATEST(0, extract(epoch FROM next_attempt_at - now()) * 1000)::bigint AS delay FROM deliveries
       WHERE target = $1 AND state IN ('pending', 'retrying') AND id > $2 ORDER BY id LIMIT $3`,
      [target, afterId, limit],
    )) as { id: string; attempts: number; delay: string }[];
    return rows.map((row) => ({ id: row.id, attempts: row.attempts, delayMs: Number(row.delay) }));
  }

  /** The oldest waiting deliveries of a target that its ordering policy would let go now: what a probe may attempt. */
  async probeCandidates(target: string, limit: number, inOrderTargets: string[]): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.id FROM deliveries d WHERE d.target = $1 AND d.state IN ('pending', 'retrying')
         AND NOT ${supersededSql('d', '$3')} AND NOT ${waitsForSiblingSql('d', '$3')}
       ORDER BY d.created_at, d.id LIMIT $2`,
      [target, limit, inOrderTargets],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }

  // ------------------------------------------------------------------ admin

  async waitingAndDeadByTarget(): Promise<{ target: string; waiting: number; dead: number }[]> {
    return (await this.dataSource.query(
      `SELECT target, count(*) FILTER (WHERE state IN ('pending', 'retrying', 'in_flight'))::int AS waiting, count(*) FILTER (WHERE state = 'dead')::int AS dead
       FROM deliveries WHERE state IN ('pending', 'retrying', 'in_flight', 'dead') GROUP BY target`,
    )) as { target: string; waiting: number; dead: number }[];
  }

  /** One page (by id) of a target's dead deliveries created in [since, until), each marked when its ordering policy says a later sibling supersedes it. */
  async deadInRange(
    target: string,
    since: Date,
    until: Date,
    afterId: string,
    limit: number,
    inOrderTargets: string[],
  ): Promise<{ id: string; superseded: boolean }[]> {
    return (await this.dataSource.query(
      `SELECT d.id, ${supersededSql('d', '$6')} AS superseded
       FROM deliveries d WHERE d.target = $1 AND d.state = 'dead' AND d.created_at >= $2 AND d.created_at < $3 AND d.id > $4
       ORDER BY d.id LIMIT $5`,
      [target, since, until, afterId, limit, inOrderTargets],
    )) as { id: string; superseded: boolean }[];
  }

  /** A fresh set of attempts for the given deliveries, if they are still in `fromStates`; returns those reset. */
  async resetAttempts(ids: string[], fromStates: string[]): Promise<string[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
       WHERE id = ANY($1::bigint[]) AND state = ANY($2::text[]) RETURNING id`,
      [ids, fromStates],
    )) as [{ id: string }[], number];
    return rows.map((row) => row.id);
  }

  async countsByTargetAndState(): Promise<{ target: string; state: string; count: number }[]> {
    return (await this.dataSource.query('SELECT target, state, count(*)::int AS count FROM deliveries GROUP BY target, state')) as {
      target: string;
      state: string;
      count: number;
    }[];
  }

  /** Per target, how long its oldest waiting (or in-flight) delivery has waited. */
  async oldestWaitingByTarget(): Promise<{ target: string; ageSeconds: number }[]> {
    return (await this.dataSource.query(
      `SELECT target, extract(epoch FROM now() - min(created_at))::float AS "ageSeconds" FROM deliveries WHERE state IN ('pending', 'retrying', 'in_flight') GROUP BY target`,
    )) as { target: string; ageSeconds: number }[];
  }

  /** Whether the order has a delivery to the target; `alive`: one that is not dead. In the caller's transaction. */
  async hasDelivery(manager: EntityManager, orderId: string, target: string, alive: boolean): Promise<boolean> {
    const rows = (await manager.query(`SELECT 1 FROM deliveries WHERE order_id = $1 AND target = $2 AND ($3::boolean IS FALSE OR state <> 'dead') LIMIT 1`, [
      orderId,
      target,
      alive,
    ])) as unknown[];
    return rows.length > 0;
  }

  list(query: ListDeliveriesQuery) {
    const qb = this.dataSource.getRepository(Delivery).createQueryBuilder('d').orderBy('d.id', 'DESC');
    if (query.state) qb.andWhere('d.state = :state', { state: query.state });
    if (query.target) qb.andWhere('d.target = :target', { target: query.target });
    if (query.orderId) qb.andWhere('d.order_id = :orderId', { orderId: query.orderId });
    return pageOf(qb, query);
  }

  findById(id: string): Promise<Delivery | null> {
    return this.dataSource.getRepository(Delivery).findOneBy({ id });
  }

  /** A delivery's attempts, oldest first; an attempt logged before response_text existed shows its answer from the old column. */
  async attemptsOf(id: string): Promise<DeliveryAttempt[]> {
    const rows = (await this.dataSource.query(
      `SELECT a.*, COALESCE(a.response_text, a.response::text) AS response_text FROM delivery_attempts a WHERE a.delivery_id = $1 ORDER BY a.id`,
      [id],
    )) as Record<string, unknown>[];
    return rows.map((row) => hydrate(this.dataSource.manager, DeliveryAttempt, row));
  }

  /** Every delivery of an order, oldest first (the console's journey of the order). */
  async deliveriesOfOrder(orderId: string, limit: number): Promise<Delivery[]> {
    const rows = (await this.dataSource.query('SELECT * FROM deliveries WHERE order_id = $1 ORDER BY id LIMIT $2', [orderId, limit])) as Record<
      string,
      unknown
    >[];
    return rows.map((row) => hydrate(this.dataSource.manager, Delivery, row));
  }

  /** The attempts of an order's first `limit` deliveries (as deliveriesOfOrder lists them), in order. */
  async attemptsOfOrder(orderId: string, limit: number): Promise<DeliveryAttempt[]> {
    const rows = (await this.dataSource.query(
      `SELECT a.*, COALESCE(a.response_text, a.response::text) AS response_text FROM delivery_attempts a
       WHERE a.delivery_id IN (SELECT d.id FROM deliveries d WHERE d.order_id = $1 ORDER BY d.id LIMIT $2) ORDER BY a.id`,
      [orderId, limit],
    )) as Record<string, unknown>[];
    return rows.map((row) => hydrate(this.dataSource.manager, DeliveryAttempt, row));
  }

  /**
   * Orders that have a stuck delivery: retrying, dead, or waiting for a paused target; the most recently
   * changed deliveries first, at most `limit` orders.
   */
  async stuckOrderIds(limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT order_id FROM deliveries d
       WHERE d.state IN ('retrying', 'dead')
          OR (d.state IN ('pending', 'in_flight') AND d.target IN (SELECT target FROM delivery_targets WHERE paused))
       GROUP BY order_id ORDER BY max(d.updated_at) DESC LIMIT $1`,
      [limit],
    )) as { order_id: string }[];
    return rows.map((row) => row.order_id);
  }

  /** For each of the orders, its stuck deliveries' targets and states (as stuckOrderIds counts them). */
  async stuckDeliveriesOf(orderIds: string[]): Promise<{ orderId: string; target: string; state: string; paused: boolean }[]> {
    if (!orderIds.length) return [];
    const rows = (await this.dataSource.query(
      `SELECT d.order_id, d.target, d.state, coalesce(t.paused, false) AS paused
       FROM deliveries d LEFT JOIN delivery_targets t ON t.target = d.target
       WHERE d.order_id = ANY($1::uuid[])
         AND (d.state IN ('retrying', 'dead') OR (d.state IN ('pending', 'in_flight') AND coalesce(t.paused, false)))
       GROUP BY d.order_id, d.target, d.state, coalesce(t.paused, false)
       ORDER BY min(d.id)`,
      [orderIds],
    )) as { order_id: string; target: string; state: string; paused: boolean }[];
    return rows.map((row) => ({ orderId: row.order_id, target: row.target, state: row.state, paused: row.paused }));
  }

  // ------------------------------------------------------------------ retention

  /** One batch of attempts started before `before`. */
  async deleteAttemptsBefore(before: Date, limit: number): Promise<number> {
    return deleteOldestBefore(this.dataSource, 'delivery_attempts', 'started_at', before, limit);
  }

  /**
   * One batch of finished deliveries older than `before` that are not their order's latest for the target (the
   * latest is what says the order's status there), with their attempts (a recovered delivery's may be younger).
   */
  async deleteFinishedBefore(before: Date, limit: number): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM deliveries WHERE id IN (
           SELECT d.id FROM deliveries d WHERE d.created_at < $1 AND d.updated_at < $1 AND d.state IN ('sent', 'superseded', 'dead')
             AND EXISTS (SELECT 1 FROM deliveries n WHERE n.order_id = d.order_id AND n.target = d.target AND (n.change_seq, n.id) > (d.change_seq, d.id))
           ORDER BY d.id LIMIT $2)
         RETURNING id
       ), attempts AS (DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM gone))
       SELECT count(*)::int AS n FROM gone`,
      [before, limit],
    )) as { n: number }[];
    return n;
  }

  // ------------------------------------------------------------------ endpoint health (delivery_targets)

  /** A success: the failure clock stops, and an automatically paused target resumes. Returns whether it was resumed. */
  async recordTargetSuccess(target: string): Promise<{ paused: boolean; resumed: boolean }> {
    const [row] = await this.pool.query<{ paused: boolean; was_paused: boolean | null }>(
      `INSERT INTO delivery_targets AS t (target, last_success_at) VALUES ($1, now())
       ON CONFLICT (target) DO UPDATE SET
         last_success_at = now(), failing_since = NULL, consecutive_failures = 0, last_error = NULL, updated_at = now(),
         paused = CASE WHEN t.paused AND t.pause_reason = 'auto' THEN false ELSE t.paused END,
         pause_reason = CASE WHEN t.paused AND t.pause_reason = 'auto' THEN NULL ELSE t.pause_reason END,
         paused_at = CASE WHEN t.paused AND t.pause_reason = 'auto' THEN NULL ELSE t.paused_at END
       RETURNING t.paused, (SELECT paused FROM delivery_targets WHERE target = $1) AS was_paused`,
      [target],
    );
    // The subquery sees the row as it was before this statement.
    return { paused: row?.paused ?? false, resumed: row?.was_paused === true && row.paused === false };
  }

  /** `failures` failed attempts (coalesced by the caller): the failure clock runs. */
  async recordTargetFailures(
    target: string,
    failures: number,
    error: string | null,
  ): Promise<{ paused: boolean; failingSince: Date; consecutiveFailures: number }> {
    const [row] = await this.pool.query<{ paused: boolean; failing_since: Date; consecutive_failures: number }>(
      `INSERT INTO delivery_targets AS t (target, failing_since, consecutive_failures, last_failure_at, last_error)
       VALUES ($1, now(), $3, now(), $2)
       ON CONFLICT (target) DO UPDATE SET failing_since = COALESCE(t.failing_since, now()), consecutive_failures = t.consecutive_failures + $3,
         last_failure_at = now(), last_error = $2, updated_at = now()
       RETURNING paused, failing_since, consecutive_failures`,
      [target, error, failures],
    );
    return { paused: row.paused, failingSince: new Date(row.failing_since), consecutiveFailures: row.consecutive_failures };
  }

  /** Pauses a target that has been failing since at least `pauseAfterMs` ago; false when it was not paused now. */
  async pauseFailingTarget(target: string, pauseAfterMs: number): Promise<boolean> {
    const rows = await this.pool.query(
      `UPDATE delivery_targets SET paused = true, pause_reason = 'auto', paused_at = now(), paused_by = 'health', updated_at = now()
       WHERE target = $1 AND NOT paused AND failing_since IS NOT NULL AND failing_since <= now() - make_interval(secs => $2::float8 / 1000)
       RETURNING target`,
      [target, pauseAfterMs],
    );
    return rows.length > 0;
  }

  async isTargetPaused(target: string): Promise<boolean> {
    const rows = (await this.dataSource.query('SELECT paused FROM delivery_targets WHERE target = $1', [target])) as { paused: boolean }[];
    return rows[0]?.paused === true;
  }

  /** Returns false when the target was already paused. */
  async pauseTarget(target: string, reason: PauseReason, by: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO delivery_targets AS t (target, paused, pause_reason, paused_at, paused_by) VALUES ($1, true, $2, now(), $3)
       ON CONFLICT (target) DO UPDATE SET paused = true, pause_reason = $2, paused_at = now(), paused_by = $3, updated_at = now()
       WHERE NOT t.paused
       RETURNING target`,
      [target, reason, by],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Returns false when the target was not paused. */
  async resumeTarget(target: string): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE delivery_targets SET paused = false, pause_reason = NULL, paused_at = NULL, paused_by = NULL, failing_since = NULL,
         consecutive_failures = 0, updated_at = now()
       WHERE target = $1 AND paused RETURNING target`,
      [target],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** The turn to probe a paused target: taken by one process, at most once per half interval. */
  async claimProbe(target: string, everyMs: number): Promise<boolean> {
    const rows = await this.pool.query(
      `UPDATE delivery_targets SET last_probe_at = now()
       WHERE target = $1 AND paused AND (last_probe_at IS NULL OR last_probe_at <= now() - make_interval(secs => $2::float8 / 2000))
       RETURNING target`,
      [target, everyMs],
    );
    return rows.length > 0;
  }

  async pausedTargets(): Promise<{ target: string; reason: string | null; pausedAt: Date | null; failingSince: Date | null }[]> {
    return (await this.dataSource.query(
      `SELECT target, pause_reason AS "reason", paused_at AS "pausedAt", failing_since AS "failingSince" FROM delivery_targets WHERE paused ORDER BY target`,
    )) as { target: string; reason: string | null; pausedAt: Date | null; failingSince: Date | null }[];
  }

  async autoPausedTargets(): Promise<string[]> {
    const rows = await this.pool.query<{ target: string }>(`SELECT target FROM delivery_targets WHERE paused AND pause_reason = 'auto' ORDER BY target`);
    return rows.map((row) => row.target);
  }

  targetStates(): Promise<DeliveryTarget[]> {
    return this.dataSource.getRepository(DeliveryTarget).find({ order: { target: 'ASC' } });
  }

  async targetNames(): Promise<string[]> {
    const rows = (await this.dataSource.query('SELECT target FROM delivery_targets')) as { target: string }[];
    return rows.map((row) => row.target);
  }
}
