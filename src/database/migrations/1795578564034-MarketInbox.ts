import { MigrationInterface, QueryRunner } from 'typeorm';

export class MarketInbox1795578564034 implements MigrationInterface {
  name = 'MarketInbox1795578564034';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "market_events" ("id" BIGSERIAL NOT NULL, "dedupe_key" character varying(512) NOT NULL, "notification_type" character varying(64) NOT NULL, "known" boolean NOT NULL, "outcome" character varying(16) NOT NULL, "campaign_id" bigint, "order_id" bigint, "event_at" TIMESTAMP WITH TIME ZONE, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "duplicate_count" integer NOT NULL DEFAULT '0', "last_duplicate_at" TIMESTAMP WITH TIME ZONE, "payload" jsonb NOT NULL, CONSTRAINT "PK_5ad9c7f4bd49efb8426ce062f1b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_market_events_order" ON "market_events"  ("campaign_id", "order_id") `);
    await queryRunner.query(`CREATE INDEX "ix_market_events_type" ON "market_events"  ("notification_type", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_market_events_dedupe_key" ON "market_events"  ("dedupe_key") `);
    await queryRunner.query(
      `CREATE TABLE "market_returns" ("id" BIGSERIAL NOT NULL, "campaign_id" bigint NOT NULL, "order_id" bigint NOT NULL, "return_id" bigint NOT NULL, "return_type" character varying(64), "items" jsonb, "refund_status" character varying(64), "refund_status_at" TIMESTAMP WITH TIME ZONE, "shipment_status" character varying(64), "shipment_status_at" TIMESTAMP WITH TIME ZONE, "created_at_market" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_9bc785fdf28e1be5af7a808a361" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_market_returns_order" ON "market_returns"  ("campaign_id", "order_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_market_returns" ON "market_returns"  ("campaign_id", "return_id") `);
    await queryRunner.query(`ALTER TABLE "orders" ADD "cancellation_requested_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "cancellation_requested_at"`);
    await queryRunner.query(`DROP INDEX "public"."uq_market_returns"`);
    await queryRunner.query(`DROP INDEX "public"."ix_market_returns_order"`);
    await queryRunner.query(`DROP TABLE "market_returns"`);
    await queryRunner.query(`DROP INDEX "public"."uq_market_events_dedupe_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_market_events_type"`);
    await queryRunner.query(`DROP INDEX "public"."ix_market_events_order"`);
    await queryRunner.query(`DROP TABLE "market_events"`);
  }
}
