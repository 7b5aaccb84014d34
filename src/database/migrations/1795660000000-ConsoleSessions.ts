import { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-ins to the web console (/console): an HMAC of each cookie's token, who, until when. */
export class ConsoleSessions1795660000000 implements MigrationInterface {
  name = 'ConsoleSessions1795660000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "console_sessions" ("token_hash" character varying(64) NOT NULL, "actor" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_console_sessions" PRIMARY KEY ("token_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_console_sessions_expires" ON "console_sessions" ("expires_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_console_sessions_expires"`);
    await queryRunner.query(`DROP TABLE "console_sessions"`);
  }
}
