import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Before event times were bounded at intake, a status dated far ahead by a peer's clock set its order's (or
 * ticket's, or return's) status time in the future, and every real event after it was stale. Such a time now
 * counts at the time that status was received, as intake counts it from now on; each order corrected gets a
 * history row that says so. Any time more than a minute ahead is a clock bug under the default skew.
 */
export class BoundFutureEventTimes1795641000000 implements MigrationInterface {
  name = 'BoundFutureEventTimes1795641000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`WITH frozen AS (
            SELECT o.id, o.status, o.status_event_at AS claimed,
              LEAST(now(), COALESCE((SELECT min(h.received_at) FROM order_history h WHERE h.order_id = o.id AND h.event_at = o.status_event_at), now())) AS received
            FROM orders o WHERE o.status_event_at > now() + interval '1 minute'
          ), corrected AS (
            UPDATE orders o SET status_event_at = f.received, version = o.version + 1, updated_at = now() FROM frozen f WHERE o.id = f.id RETURNING o.id
          )
          INSERT INTO order_history (order_id, source, outcome, from_status, event_at, note)
          SELECT f.id, 'system', 'info', f.status, f.received,
            'status time ' || to_char(f.claimed AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' was ahead of its receipt (a peer''s clock): counted at the receive time '
              || to_char(f.received AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
          FROM frozen f JOIN corrected c ON c.id = f.id`);
    await queryRunner.query(`UPDATE imshop_tickets t SET status_at = LEAST(now(), COALESCE(
            (SELECT min(e.received_at) FROM imshop_ticket_events e WHERE e.ticket_id = t.id AND e.event_at = t.status_at), now())), updated_at = now()
          WHERE t.status_at > now() + interval '1 minute'`);
    await queryRunner.query(`UPDATE market_returns SET refund_status_at = now() WHERE refund_status_at > now() + interval '1 minute'`);
    await queryRunner.query(`UPDATE market_returns SET shipment_status_at = now() WHERE shipment_status_at > now() + interval '1 minute'`);
  }

  public async down(): Promise<void> {
    // A correction of data: the clock-bug times are not put back.
  }
}
