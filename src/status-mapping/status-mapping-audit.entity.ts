import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who changed which mapping row, when, and what it looked like before and after. */
@Entity('status_mapping_audit')
@Index('ix_status_mapping_audit_mapping', ['mappingId'])
export class StatusMappingAudit {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'mapping_id', type: 'int' })
  mappingId: number;

  @Column({ type: 'varchar', length: 8 })
  action: 'create' | 'update' | 'delete';

  @Column({ type: 'varchar', length: 64 })
  actor: string;

  @CreateDateColumn({ name: 'at', type: 'timestamptz' })
  at: Date;

  @Column({ type: 'jsonb', nullable: true })
  before: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after: unknown;
}
