import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reconciliation: one cursor row per Market campaign (where the pull of changed orders stands). */
export class MarketReconcile1795620000000 implements MigrationInterface {
  name = 'MarketReconcile1795620000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "market_reconcile_cursors" ("campaign_id" bigint NOT NULL, "business_id" bigint NOT NULL, "cursor_at" TIMESTAMP WITH TIME ZONE, "run_from" TIMESTAMP WITH TIME ZONE, "run_to" TIMESTAMP WITH TIME ZONE, "page_token" character varying(2000), "pages_done" integer NOT NULL DEFAULT 0, "last_run_at" TIMESTAMP WITH TIME ZONE, "last_success_at" TIMESTAMP WITH TIME ZONE, "last_error" character varying(1000), "last_counts" jsonb, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_market_reconcile_cursors" PRIMARY KEY ("campaign_id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "market_reconcile_cursors"`);
  }
}
