import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A single row bumped by every mapping edit in the same transaction. Each instance compares it with
 * the revision of its cache before resolving, so an edit made through any instance is seen by all.
 */
@Entity('status_mapping_revision')
export class StatusMappingRevision {
  @PrimaryColumn({ type: 'int', default: 1 })
  id: number;

  @Column({ type: 'bigint', default: 0 })
  revision: string;
}
