import { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1795579016703 implements MigrationInterface {
  name = 'Outbox1795579016703';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "delivery_attempts" ("id" BIGSERIAL NOT NULL, "delivery_id" bigint NOT NULL, "attempt" integer NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "latency_ms" integer NOT NULL, "status_code" integer NOT NULL, "outcome" character varying(8) NOT NULL, "error" character varying(1000), "response" jsonb, CONSTRAINT "PK_41eba4eb5401d72860f7cd9a7ac" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_delivery_attempts_delivery" ON "delivery_attempts"  ("delivery_id", "attempt") `);
    await queryRunner.query(
      `CREATE TABLE "deliveries" ("id" BIGSERIAL NOT NULL, "order_id" uuid NOT NULL, "target" character varying(16) NOT NULL, "change_seq" bigint NOT NULL, "internal_status" character varying(32), "payload" jsonb NOT NULL, "state" character varying(12) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" character varying(1000), "response" jsonb, "sent_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_deliveries_order_target" ON "deliveries"  ("order_id", "target", "change_seq") `);
    await queryRunner.query(`CREATE INDEX "ix_deliveries_due" ON "deliveries"  ("state", "next_attempt_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_order_target"`);
    await queryRunner.query(`DROP TABLE "deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_attempts_delivery"`);
    await queryRunner.query(`DROP TABLE "delivery_attempts"`);
  }
}
