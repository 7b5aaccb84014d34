import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { OrderStatus } from '../orders/order-status';

export type MappingDirection = 'inbound' | 'outbound';

/**
 * One row of the editable mapping table.
 * Inbound: (source, ticketType?, externalCode, externalSubstatus?) → internalStatus, where a null internalStatus
 * means "known code, record it but leave the status as it is" and a null substatus/ticketType matches any.
 * Outbound: (target, internalStatus) → code + buyer-facing message.
 */
@Entity('status_mappings')
@Index('uq_status_mappings_match_key', ['matchKey'], { unique: true })
export class StatusMapping {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 8 })
  direction: MappingDirection;

  /** Inbound source (market, imshop_ticket, oms) or outbound target (imshop, market). */
  @Column({ type: 'varchar', length: 32 })
  system: string;

  @Column({ name: 'ticket_type', type: 'varchar', length: 16, nullable: true })
  ticketType: string | null;

  @Column({ name: 'external_code', type: 'varchar', length: 128, nullable: true })
  externalCode: string | null;

  @Column({ name: 'external_substatus', type: 'varchar', length: 128, nullable: true })
  externalSubstatus: string | null;

  @Column({ name: 'internal_status', type: 'varchar', length: 32, nullable: true })
  internalStatus: OrderStatus | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  code: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  message: string | null;

  /** Statuses an operator should look at (e.g. a ticket nobody accepted in time). */
  @Column({ type: 'boolean', default: false })
  attention: boolean;

  /** Normalised identity of the row, unique, so duplicates are refused by the database itself. */
  @Column({ name: 'match_key', type: 'varchar', length: 400 })
  matchKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn()
  version: number;
}

export function inboundMatchKey(source: string, ticketType: string | null, code: string, substatus: string | null): string {
  return ['in', source, ticketType ?? '*', code, substatus ?? '*'].join('|');
}

export function outboundMatchKey(target: string, internalStatus: string): string {
  return ['out', target, internalStatus].join('|');
}

export function matchKeyOf(row: Pick<StatusMapping, 'direction' | 'system' | 'ticketType' | 'externalCode' | 'externalSubstatus' | 'internalStatus'>): string {
  return row.direction === 'inbound'
    ? inboundMatchKey(row.system, row.ticketType, row.externalCode ?? '', row.externalSubstatus)
    : outboundMatchKey(row.system, row.internalStatus ?? '');
}
