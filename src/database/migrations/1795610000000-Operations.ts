import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operations: endpoint health per outbound target (pausing), replay runs with their progress, and the
 * indexes the retention job deletes by (received/started time).
 */
export class Operations1795610000000 implements MigrationInterface {
  name = 'Operations1795610000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "delivery_targets" ("target" character varying(16) NOT NULL, "paused" boolean NOT NULL DEFAULT false, "pause_reason" character varying(8), "paused_at" TIMESTAMP WITH TIME ZONE, "paused_by" character varying(64), "failing_since" TIMESTAMP WITH TIME ZONE, "consecutive_failures" integer NOT NULL DEFAULT 0, "last_failure_at" TIMESTAMP WITH TIME ZONE, "last_error" character varying(1000), "last_success_at" TIMESTAMP WITH TIME ZONE, "last_probe_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_delivery_targets" PRIMARY KEY ("target"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "replay_runs" ("id" BIGSERIAL NOT NULL, "state" character varying(12) NOT NULL, "source" character varying(16) NOT NULL, "event_ids" jsonb, "since" TIMESTAMP WITH TIME ZONE, "until" TIMESTAMP WITH TIME ZONE, "mapping_revision" bigint NOT NULL, "actor" character varying(64) NOT NULL, "background" boolean NOT NULL DEFAULT false, "matched" integer NOT NULL DEFAULT 0, "processed" integer NOT NULL DEFAULT 0, "applied" integer NOT NULL DEFAULT 0, "unchanged" integer NOT NULL DEFAULT 0, "failed" integer NOT NULL DEFAULT 0, "outcomes" jsonb NOT NULL DEFAULT '{}', "last_event_id" bigint, "errors" jsonb NOT NULL DEFAULT '[]', "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_replay_runs" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_market_events_received" ON "market_events" ("received_at") `);
    await queryRunner.query(`CREATE INDEX "ix_imshop_ticket_events_received" ON "imshop_ticket_events" ("received_at") `);
    await queryRunner.query(`CREATE INDEX "ix_delivery_attempts_started" ON "delivery_attempts" ("started_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_attempts_started"`);
    await queryRunner.query(`DROP INDEX "public"."ix_imshop_ticket_events_received"`);
    await queryRunner.query(`DROP INDEX "public"."ix_market_events_received"`);
    await queryRunner.query(`DROP TABLE "replay_runs"`);
    await queryRunner.query(`DROP TABLE "delivery_targets"`);
  }
}
