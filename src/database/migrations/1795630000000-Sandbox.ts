import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sandbox's tables (used only with SANDBOX=true, empty otherwise): what its peers received, what its Market
 * knows of orders, the tickets its IMSHOP accepted (ids from a sequence).
 */
export class Sandbox1795630000000 implements MigrationInterface {
  name = 'Sandbox1795630000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sandbox_requests" ("id" BIGSERIAL NOT NULL, "peer" character varying(16) NOT NULL, "method" character varying(8) NOT NULL, "path" character varying(2000) NOT NULL, "headers" jsonb NOT NULL, "body" jsonb, "response_status" integer, "response_body" jsonb, "fault" character varying(200), "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "duration_ms" integer NOT NULL DEFAULT 0, CONSTRAINT "PK_sandbox_requests" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_sandbox_requests_peer_id" ON "sandbox_requests" ("peer", "id")`);
    await queryRunner.query(
      `CREATE TABLE "sandbox_market_orders" ("campaign_id" bigint NOT NULL, "order_id" bigint NOT NULL, "status" character varying(64) NOT NULL, "substatus" character varying(64) NOT NULL, "items" jsonb NOT NULL DEFAULT '[]', "cancel_requested" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_sandbox_market_orders" PRIMARY KEY ("campaign_id", "order_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "sandbox_imshop_tickets" ("ticket_id" character varying(64) NOT NULL, "type" character varying(16) NOT NULL, "order_id" character varying(255) NOT NULL, "store_id" character varying(255) NOT NULL, "status" character varying(16) NOT NULL, "cancels_ticket_id" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_sandbox_imshop_tickets" PRIMARY KEY ("ticket_id"))`,
    );
    await queryRunner.query(`CREATE SEQUENCE "sandbox_imshop_ticket_seq"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SEQUENCE "sandbox_imshop_ticket_seq"`);
    await queryRunner.query(`DROP TABLE "sandbox_imshop_tickets"`);
    await queryRunner.query(`DROP TABLE "sandbox_market_orders"`);
    await queryRunner.query(`DROP TABLE "sandbox_requests"`);
  }
}
