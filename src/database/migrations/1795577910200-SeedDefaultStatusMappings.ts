import { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_INBOUND_MAPPINGS, DEFAULT_OUTBOUND_MAPPINGS } from '../../status-mapping/default-mappings';
import { inboundMatchKey, outboundMatchKey } from '../../status-mapping/status-mapping.entity';

/** The default mapping table of DESIGN.md; admins edit it afterwards over the admin API. */
export class SeedDefaultStatusMappings1795577910200 implements MigrationInterface {
  name = 'SeedDefaultStatusMappings1795577910200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`INSERT INTO status_mapping_revision (id, revision) VALUES (1, 1) ON CONFLICT (id) DO NOTHING`);
    const insert = `INSERT INTO status_mappings
      (direction, system, ticket_type, external_code, external_substatus, internal_status, code, message, attention, match_key, version)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) ON CONFLICT (match_key) DO NOTHING`;
    for (const row of DEFAULT_INBOUND_MAPPINGS) {
      const ticketType = row.ticketType ?? null;
      const substatus = row.externalSubstatus ?? null;
      await queryRunner.query(insert, [
        'inbound',
        row.source,
        ticketType,
        row.externalCode,
        substatus,
        row.internalStatus,
        null,
        null,
        row.attention ?? false,
        inboundMatchKey(row.source, ticketType, row.externalCode, substatus),
      ]);
    }
    for (const row of DEFAULT_OUTBOUND_MAPPINGS) {
      await queryRunner.query(insert, [
        'outbound',
        row.target,
        null,
        null,
        null,
        row.internalStatus,
        row.code,
        row.message,
        false,
        outboundMatchKey(row.target, row.internalStatus),
      ]);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM status_mappings`);
    await queryRunner.query(`DELETE FROM status_mapping_revision`);
  }
}
