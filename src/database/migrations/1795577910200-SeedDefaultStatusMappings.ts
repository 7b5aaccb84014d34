import { MigrationInterface, QueryRunner } from 'typeorm';

/** The default mapping table of DESIGN.md; admins edit it afterwards over the admin API. */
export class SeedDefaultStatusMappings1795577910200 implements MigrationInterface {
  name = 'SeedDefaultStatusMappings1795577910200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`INSERT INTO status_mapping_revision (id, revision) VALUES (1, 1) ON CONFLICT (id) DO NOTHING`);
    const insert = `INSERT INTO status_mappings
      (direction, system, ticket_type, external_code, external_substatus, internal_status, code, message, attention, match_key, version)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) ON CONFLICT (match_key) DO NOTHING`;
    for (const row of INBOUND) {
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
    for (const row of OUTBOUND) {
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

/*
 * The defaults of DESIGN.md as this migration seeded them: a snapshot, with the match keys as written then, and
 * nothing imported from live code (editing a module must not change what a past migration did). Change the
 * defaults with a new migration.
 */

interface InboundDefault {
  source: 'market' | 'imshop_ticket' | 'oms';
  ticketType?: string;
  externalCode: string;
  externalSubstatus?: string;
  /** null: a known code that is recorded in history but leaves the status as it is. */
  internalStatus: string | null;
  attention?: boolean;
}

interface OutboundDefault {
  target: 'imshop';
  internalStatus: string;
  code: string;
  message: string;
}

function inboundMatchKey(source: string, ticketType: string | null, code: string, substatus: string | null): string {
  return ['in', source, ticketType ?? '*', code, substatus ?? '*'].join('|');
}

function outboundMatchKey(target: string, internalStatus: string): string {
  return ['out', target, internalStatus].join('|');
}

const INBOUND: InboundDefault[] = [
  ...(['PLACING', 'RESERVED', 'UNPAID', 'PENDING'] as const).map((code) => ({ source: 'market' as const, externalCode: code, internalStatus: 'NEW' })),
  { source: 'market', externalCode: 'PROCESSING', internalStatus: 'PROCESSING' },
  { source: 'market', externalCode: 'PROCESSING', externalSubstatus: 'STARTED', internalStatus: 'PROCESSING' },
  { source: 'market', externalCode: 'PROCESSING', externalSubstatus: 'READY_TO_SHIP', internalStatus: 'READY_TO_SHIP' },
  { source: 'market', externalCode: 'DELIVERY', internalStatus: 'SHIPPED' },
  { source: 'market', externalCode: 'PICKUP', internalStatus: 'READY_FOR_PICKUP' },
  { source: 'market', externalCode: 'DELIVERED', internalStatus: 'DELIVERED' },
  { source: 'market', externalCode: 'CANCELLED', internalStatus: 'CANCELLED' },
  { source: 'market', externalCode: 'PARTIALLY_RETURNED', internalStatus: 'PARTIALLY_RETURNED' },
  { source: 'market', externalCode: 'RETURNED', internalStatus: 'RETURNED' },

  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'done', internalStatus: 'READY_TO_SHIP' },
  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'partiallyDone', internalStatus: 'PARTIALLY_READY' },
  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'failed', internalStatus: 'ASSEMBLY_FAILED' },
  { source: 'imshop_ticket', ticketType: 'ship', externalCode: 'shipped', internalStatus: 'SHIPPED' },
  { source: 'imshop_ticket', ticketType: 'ship', externalCode: 'partiallyShipped', internalStatus: 'PARTIALLY_SHIPPED' },
  { source: 'imshop_ticket', ticketType: 'ship', externalCode: 'failed', internalStatus: null },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'received', internalStatus: 'READY_FOR_PICKUP' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'handedOver', internalStatus: 'DELIVERED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'partiallyHandedOver', internalStatus: 'PARTIALLY_DELIVERED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'notHandedOver', internalStatus: 'NOT_REDEEMED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'returned', internalStatus: 'RETURNED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'partiallyReturned', internalStatus: 'PARTIALLY_RETURNED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'failed', internalStatus: null },
  { source: 'imshop_ticket', ticketType: 'release', externalCode: 'released', internalStatus: 'PROCESSING' },
  { source: 'imshop_ticket', ticketType: 'release', externalCode: 'failed', internalStatus: null },
  { source: 'imshop_ticket', ticketType: 'cancel', externalCode: 'cancelled', internalStatus: null },
  // Valid for every ticket type (no ticketType = any).
  { source: 'imshop_ticket', externalCode: 'not-accepted', internalStatus: null, attention: true },
  { source: 'imshop_ticket', externalCode: 'timeout', internalStatus: null, attention: true },
  { source: 'imshop_ticket', externalCode: 'advance', internalStatus: null },

  { source: 'oms', externalCode: 'placed', internalStatus: 'NEW' },
  { source: 'oms', externalCode: 'processing', internalStatus: 'PROCESSING' },
  { source: 'oms', externalCode: 'ready_to_dispatch', internalStatus: 'READY_TO_SHIP' },
  { source: 'oms', externalCode: 'dispatched', internalStatus: 'SHIPPED' },
  { source: 'oms', externalCode: 'ready_for_pickup', internalStatus: 'READY_FOR_PICKUP' },
  { source: 'oms', externalCode: 'delivered', internalStatus: 'DELIVERED' },
  { source: 'oms', externalCode: 'done', internalStatus: 'DELIVERED' },
  { source: 'oms', externalCode: 'closed', internalStatus: 'NOT_REDEEMED' },
  { source: 'oms', externalCode: 'canceled', internalStatus: 'CANCELLED' },
  { source: 'oms', externalCode: 'cancelled', internalStatus: 'CANCELLED' },
];

/** Outbound codes default to IMSHOP's own status names; messages are what the buyer reads in the app. */
const OUTBOUND: OutboundDefault[] = [
  { target: 'imshop', internalStatus: 'NEW', code: 'placed', message: 'Заказ оформлен' },
  { target: 'imshop', internalStatus: 'PROCESSING', code: 'processing', message: 'Заказ собирается' },
  { target: 'imshop', internalStatus: 'PARTIALLY_READY', code: 'processing', message: 'Заказ собирается' },
  { target: 'imshop', internalStatus: 'ASSEMBLY_FAILED', code: 'processing', message: 'Заказ в обработке' },
  { target: 'imshop', internalStatus: 'READY_TO_SHIP', code: 'ready_to_dispatch', message: 'Заказ собран и готов к отправке' },
  { target: 'imshop', internalStatus: 'SHIPPED', code: 'dispatched', message: 'Заказ передан в доставку' },
  { target: 'imshop', internalStatus: 'PARTIALLY_SHIPPED', code: 'dispatched', message: 'Заказ передан в доставку' },
  { target: 'imshop', internalStatus: 'READY_FOR_PICKUP', code: 'ready_for_pickup', message: 'Готов к выдаче' },
  { target: 'imshop', internalStatus: 'DELIVERED', code: 'done', message: 'Заказ получен' },
  { target: 'imshop', internalStatus: 'PARTIALLY_DELIVERED', code: 'done', message: 'Заказ получен частично' },
  { target: 'imshop', internalStatus: 'NOT_REDEEMED', code: 'closed', message: 'Заказ не выкуплен' },
  { target: 'imshop', internalStatus: 'RETURNED', code: 'closed', message: 'Заказ возвращён' },
  { target: 'imshop', internalStatus: 'PARTIALLY_RETURNED', code: 'closed', message: 'Заказ возвращён частично' },
  { target: 'imshop', internalStatus: 'CANCELLED', code: 'canceled', message: 'Заказ отменён' },
];
