import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why a campaign's last reconciliation run stopped before the end of its window (page limit, a repeated page token). */
export class ReconcileStops1795643000000 implements MigrationInterface {
  name = 'ReconcileStops1795643000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "market_reconcile_cursors" ADD "last_stop_reason" character varying(32)`);
    await queryRunner.query(`ALTER TABLE "market_reconcile_cursors" ADD "last_stop_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "market_reconcile_cursors" DROP COLUMN "last_stop_at"`);
    await queryRunner.query(`ALTER TABLE "market_reconcile_cursors" DROP COLUMN "last_stop_reason"`);
  }
}
