import { MigrationInterface, QueryRunner } from 'typeorm';

/** Ticket requests sent under a key of ours, so a retry never creates a second IMSHOP ticket. */
export class ImshopTicketRequests1795642000000 implements MigrationInterface {
  name = 'ImshopTicketRequests1795642000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "imshop_ticket_requests" ("id" BIGSERIAL NOT NULL, "request_key" character varying(255) NOT NULL, "type" character varying(16) NOT NULL, "oms_order_number" character varying(255) NOT NULL, "store_id" character varying(255) NOT NULL, "request" jsonb NOT NULL, "state" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT 1, "imshop_ticket_id" character varying(255), "answer" jsonb, "last_error" character varying(1000), "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_imshop_ticket_requests" PRIMARY KEY ("id"), CONSTRAINT "CHK_imshop_ticket_requests_state" CHECK ("state" IN ('sending', 'created', 'refused')))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_imshop_ticket_requests_key" ON "imshop_ticket_requests" ("request_key") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_imshop_ticket_requests_key"`);
    await queryRunner.query(`DROP TABLE "imshop_ticket_requests"`);
  }
}
