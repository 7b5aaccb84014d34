import { MigrationInterface, QueryRunner } from 'typeorm';
import { withBriefLock } from '../online-ddl';

/**
 * Leases a live worker respects and probes that spend nothing: each claim carries a token (only its worker renews
 * or records it), a probe's attempt is marked as such, and an attempt keeps the peer's answer in `response_text`
 * (the older `response` column is only read, for attempts logged before; retention removes them).
 *
 * Safe for a rolling deploy: columns added under a brief lock each (no default that needs a rewrite), nothing
 * rewritten, no index built. See docs/running.md for what the mixed-version window allows.
 */
export class DeliveryOrdering1795650000000 implements MigrationInterface {
  name = 'DeliveryOrdering1795650000000';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await withBriefLock(queryRunner, `ALTER TABLE "deliveries" ADD COLUMN IF NOT EXISTS "lease_token" uuid`);
    await withBriefLock(queryRunner, `ALTER TABLE "delivery_attempts" ADD COLUMN IF NOT EXISTS "probe" boolean NOT NULL DEFAULT false`);
    await withBriefLock(queryRunner, `ALTER TABLE "delivery_attempts" ADD COLUMN IF NOT EXISTS "response_text" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await withBriefLock(queryRunner, `ALTER TABLE "delivery_attempts" DROP COLUMN IF EXISTS "response_text"`);
    await withBriefLock(queryRunner, `ALTER TABLE "delivery_attempts" DROP COLUMN IF EXISTS "probe"`);
    await withBriefLock(queryRunner, `ALTER TABLE "deliveries" DROP COLUMN IF EXISTS "lease_token"`);
  }
}
