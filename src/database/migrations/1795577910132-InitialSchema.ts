import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795577910132 implements MigrationInterface {
  name = 'InitialSchema1795577910132';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "order_history" ("id" BIGSERIAL NOT NULL, "order_id" uuid NOT NULL, "source" character varying(32) NOT NULL, "dedupe_key" character varying(512), "outcome" character varying(16) NOT NULL, "from_status" character varying(32), "to_status" character varying(32), "external_code" character varying(128), "external_substatus" character varying(128), "event_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "note" character varying(512), "payload" jsonb, CONSTRAINT "PK_cc71513680d03ecb01b96655b0c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_order_history_order" ON "order_history"  ("order_id", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_order_history_dedupe_key" ON "order_history"  ("dedupe_key") WHERE "dedupe_key" IS NOT NULL`);
    await queryRunner.query(
      `CREATE TABLE "orders" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "oms_order_number" character varying(128), "imshop_uuid" character varying(64), "market_campaign_id" bigint, "market_order_id" bigint, "status" character varying(32) NOT NULL, "status_source" character varying(32), "source_status" character varying(128), "source_substatus" character varying(128), "status_event_at" TIMESTAMP WITH TIME ZONE, "tracking_number" character varying(256), "tracking_url" character varying(2048), "items" jsonb NOT NULL DEFAULT '[]'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_710e2d4957aa5878dfe94e4ac2f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_orders_status" ON "orders"  ("status") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_orders_market" ON "orders"  ("market_campaign_id", "market_order_id") WHERE "market_order_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_orders_imshop_uuid" ON "orders"  ("imshop_uuid") WHERE "imshop_uuid" IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_orders_oms_order_number" ON "orders"  ("oms_order_number") WHERE "oms_order_number" IS NOT NULL`);
    await queryRunner.query(
      `CREATE TABLE "status_mapping_audit" ("id" BIGSERIAL NOT NULL, "mapping_id" integer NOT NULL, "action" character varying(8) NOT NULL, "actor" character varying(64) NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "before" jsonb, "after" jsonb, CONSTRAINT "PK_6bb133e3ad8da71a558b9f035bf" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_status_mapping_audit_mapping" ON "status_mapping_audit"  ("mapping_id") `);
    await queryRunner.query(
      `CREATE TABLE "status_mapping_revision" ("id" integer NOT NULL DEFAULT '1', "revision" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_482f012948a09f1960cc4489ac7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "status_mappings" ("id" SERIAL NOT NULL, "direction" character varying(8) NOT NULL, "system" character varying(32) NOT NULL, "ticket_type" character varying(16), "external_code" character varying(128), "external_substatus" character varying(128), "internal_status" character varying(32), "code" character varying(128), "message" character varying(512), "attention" boolean NOT NULL DEFAULT false, "match_key" character varying(400) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_a2fde69538d9759d7be51428260" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_status_mappings_match_key" ON "status_mappings"  ("match_key") `);
    await queryRunner.query(
      `ALTER TABLE "order_history" ADD CONSTRAINT "FK_3e8ecdec907bbf6d4cceb3ab2a4" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "order_history" DROP CONSTRAINT "FK_3e8ecdec907bbf6d4cceb3ab2a4"`);
    await queryRunner.query(`DROP INDEX "public"."uq_status_mappings_match_key"`);
    await queryRunner.query(`DROP TABLE "status_mappings"`);
    await queryRunner.query(`DROP TABLE "status_mapping_revision"`);
    await queryRunner.query(`DROP INDEX "public"."ix_status_mapping_audit_mapping"`);
    await queryRunner.query(`DROP TABLE "status_mapping_audit"`);
    await queryRunner.query(`DROP INDEX "public"."uq_orders_oms_order_number"`);
    await queryRunner.query(`DROP INDEX "public"."uq_orders_imshop_uuid"`);
    await queryRunner.query(`DROP INDEX "public"."uq_orders_market"`);
    await queryRunner.query(`DROP INDEX "public"."ix_orders_status"`);
    await queryRunner.query(`DROP TABLE "orders"`);
    await queryRunner.query(`DROP INDEX "public"."uq_order_history_dedupe_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_order_history_order"`);
    await queryRunner.query(`DROP TABLE "order_history"`);
  }
}
