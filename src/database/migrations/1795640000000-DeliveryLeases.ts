import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claim, send, record. A delivery being attempted is `in_flight` until `lease_until` (renewed while its worker
 * lives), at most one per order and target: the partial unique index is what keeps two workers (or instances)
 * from sending two statuses of one order at once, without a lock held while the request is out. An attempt keeps
 * the peer's answer as sanitized text (its first 64 KiB): jsonb refused some answers (U+0000) and a refused
 * insert used to lose the attempt.
 */
export class DeliveryLeases1795640000000 implements MigrationInterface {
  name = 'DeliveryLeases1795640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deliveries" ADD "lease_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_deliveries_in_flight" ON "deliveries" ("order_id", "target") WHERE state = 'in_flight'`);
    await queryRunner.query(`ALTER TABLE "delivery_attempts" ALTER COLUMN "response" TYPE text USING "response"::text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "deliveries" SET state = 'retrying' WHERE state = 'in_flight'`);
    await queryRunner.query(`DROP INDEX "public"."ux_deliveries_in_flight"`);
    await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "lease_until"`);
    await queryRunner.query(`ALTER TABLE "delivery_attempts" ALTER COLUMN "response" TYPE jsonb USING to_jsonb("response")`);
  }
}
