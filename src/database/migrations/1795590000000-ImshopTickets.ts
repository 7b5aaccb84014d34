import { MigrationInterface, QueryRunner } from 'typeorm';

export class ImshopTickets1795590000000 implements MigrationInterface {
  name = 'ImshopTickets1795590000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "imshop_tickets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "imshop_ticket_id" character varying(255) NOT NULL, "type" character varying(16), "oms_order_number" character varying(255) NOT NULL, "order_id" uuid, "store_id" character varying(255) NOT NULL, "status" character varying(128), "status_at" TIMESTAMP WITH TIME ZONE, "created_by_us" boolean NOT NULL DEFAULT false, "request" jsonb, "unavailable_items" jsonb, "tracking_number" character varying(255), "delivery_order_id" character varying(255), "cancels_ticket_id" character varying(255), "cancel_requested_at" TIMESTAMP WITH TIME ZONE, "closed" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_059ca1530f71f5330764f00cadd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_imshop_tickets_order_id" ON "imshop_tickets"  ("order_id") `);
    await queryRunner.query(`CREATE INDEX "ix_imshop_tickets_oms_order_number" ON "imshop_tickets"  ("oms_order_number") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_imshop_tickets_imshop_ticket_id" ON "imshop_tickets"  ("imshop_ticket_id") `);
    await queryRunner.query(
      `CREATE TABLE "imshop_ticket_events" ("id" BIGSERIAL NOT NULL, "ticket_id" uuid NOT NULL, "status" character varying(128) NOT NULL, "step" character varying(255), "event_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "dedupe_key" character varying(512) NOT NULL, "outcome" character varying(16) NOT NULL, "note" character varying(512), "payload" jsonb, CONSTRAINT "PK_fba49449c7c8aad0b8cd28cb329" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_imshop_ticket_events_ticket" ON "imshop_ticket_events"  ("ticket_id", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_imshop_ticket_events_dedupe_key" ON "imshop_ticket_events"  ("dedupe_key") `);
    await queryRunner.query(
      `ALTER TABLE "imshop_ticket_events" ADD CONSTRAINT "FK_b162f890524aa88c83e18fe8035" FOREIGN KEY ("ticket_id") REFERENCES "imshop_tickets"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "imshop_ticket_events" DROP CONSTRAINT "FK_b162f890524aa88c83e18fe8035"`);
    await queryRunner.query(`DROP INDEX "public"."uq_imshop_ticket_events_dedupe_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_imshop_ticket_events_ticket"`);
    await queryRunner.query(`DROP TABLE "imshop_ticket_events"`);
    await queryRunner.query(`DROP INDEX "public"."uq_imshop_tickets_imshop_ticket_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_imshop_tickets_oms_order_number"`);
    await queryRunner.query(`DROP INDEX "public"."ix_imshop_tickets_order_id"`);
    await queryRunner.query(`DROP TABLE "imshop_tickets"`);
  }
}
