import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently, withBriefLock } from '../online-ddl';

/**
 * Claim, send, record. A delivery being attempted is `in_flight` until `lease_until` (renewed while its worker
 * lives), at most one per order and target: the partial unique index is what keeps two workers (or instances)
 * from sending two statuses of one order at once, without a lock held while the request is out.
 *
 * Safe for a rolling deploy (the previous version keeps writing deliveries meanwhile): the column is added under
 * a brief lock, the index is built CONCURRENTLY, and nothing is rewritten. (This migration first also turned
 * `delivery_attempts.response` into text, a rewrite of 30 days of attempts under an exclusive lock that blocked
 * every worker and, in this migration's transaction, every webhook; attempts now keep their answer in a new
 * column, see DeliveryOrdering. A database migrated by that first version keeps its text column: both are read.)
 */
export class DeliveryLeases1795640000000 implements MigrationInterface {
  name = 'DeliveryLeases1795640000000';
  /** CREATE INDEX CONCURRENTLY cannot run in a transaction; every step is safe to run again. */
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await withBriefLock(queryRunner, `ALTER TABLE "deliveries" ADD COLUMN IF NOT EXISTS "lease_until" TIMESTAMP WITH TIME ZONE`);
    await createIndexConcurrently(queryRunner, 'ux_deliveries_in_flight', `UNIQUE ON "deliveries" ("order_id", "target") WHERE state = 'in_flight'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "deliveries" SET state = 'retrying' WHERE state = 'in_flight'`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "public"."ux_deliveries_in_flight"`);
    await withBriefLock(queryRunner, `ALTER TABLE "deliveries" DROP COLUMN IF EXISTS "lease_until"`);
  }
}
