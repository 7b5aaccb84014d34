import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Market partner API loop: per-campaign automation rules, the order details fetched from Market, and the default
 * outbound `market` mapping rows (for outbound rows `external_substatus` holds the Market substatus sent with `code`).
 */
export class MarketLoop1795600000000 implements MigrationInterface {
  name = 'MarketLoop1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "market_automation" ("campaign_id" bigint NOT NULL, "business_id" bigint, "store_id" character varying(255), "order_number_prefix" character varying(32) NOT NULL DEFAULT 'YM-', "fetch_details" boolean NOT NULL DEFAULT false, "prepare_ticket" boolean NOT NULL DEFAULT false, "push_statuses" boolean NOT NULL DEFAULT true, "answer_cancellations" boolean NOT NULL DEFAULT false, "updated_by" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT 1, CONSTRAINT "PK_market_automation" PRIMARY KEY ("campaign_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "market_order_details" ("order_id" uuid NOT NULL, "campaign_id" bigint NOT NULL, "market_order_id" bigint NOT NULL, "business_id" bigint, "status" character varying(64), "substatus" character varying(64), "payment_type" character varying(32), "payment_method" character varying(64), "fake" boolean, "buyer" jsonb, "delivery" jsonb, "prices" jsonb, "items" jsonb, "notes" text, "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL, "buyer_fetched_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_market_order_details" PRIMARY KEY ("order_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "market_order_details" ADD CONSTRAINT "FK_market_order_details_order" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Defaults of the issue; only transitions Market lets a DBS shop make. Admins edit them like every row.
    for (const [internal, code, substatus] of MARKET_OUTBOUND_DEFAULTS) {
      await queryRunner.query(
        `INSERT INTO status_mappings (direction, system, ticket_type, external_code, external_substatus, internal_status, code, message, attention, match_key, version)
                 VALUES ('outbound', 'market', NULL, NULL, $1, $2, $3, NULL, false, $4, 1) ON CONFLICT (match_key) DO NOTHING`,
        [substatus, internal, code, `out|market|${internal}`],
      );
    }
    await queryRunner.query(`UPDATE status_mapping_revision SET revision = revision + 1 WHERE id = 1`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM status_mappings WHERE direction = 'outbound' AND system = 'market'`);
    await queryRunner.query(`UPDATE status_mapping_revision SET revision = revision + 1 WHERE id = 1`);
    await queryRunner.query(`ALTER TABLE "market_order_details" DROP CONSTRAINT "FK_market_order_details_order"`);
    await queryRunner.query(`DROP TABLE "market_order_details"`);
    await queryRunner.query(`DROP TABLE "market_automation"`);
  }
}

/** internal status → Market status / substatus (a snapshot: change defaults with a new migration). */
const MARKET_OUTBOUND_DEFAULTS: [string, string, string | null][] = [
  ['READY_TO_SHIP', 'PROCESSING', 'READY_TO_SHIP'],
  ['ASSEMBLY_FAILED', 'CANCELLED', 'SHOP_FAILED'],
  ['SHIPPED', 'DELIVERY', null],
  ['READY_FOR_PICKUP', 'PICKUP', null],
  ['DELIVERED', 'DELIVERED', null],
];
