import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runInTransaction, type Tx } from '../database/transaction';
import { StatusMappingAudit } from './status-mapping-audit.entity';
import { StatusMappingRevision } from './status-mapping-revision.entity';
import { StatusMapping } from './status-mapping.entity';

/** The mapping table, its audit trail and its revision: all of the status-mapping module's SQL. */
@Injectable()
export class StatusMappingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Rows of one inbound source or one outbound target (or all), in id order. */
  list(filter: { source?: string; target?: string }): Promise<StatusMapping[]> {
    const qb = this.dataSource.getRepository(StatusMapping).createQueryBuilder('m').orderBy('m.id', 'ASC');
    if (filter.source) qb.andWhere("m.direction = 'inbound' AND m.system = :source", { source: filter.source });
    if (filter.target) qb.andWhere("m.direction = 'outbound' AND m.system = :target", { target: filter.target });
    return qb.getMany();
  }

  findById(id: number): Promise<StatusMapping | null> {
    return this.dataSource.getRepository(StatusMapping).findOneBy({ id });
  }

  /** A new row (not saved yet). */
  newRow(fields: Partial<StatusMapping>): StatusMapping {
    return this.dataSource.getRepository(StatusMapping).create(fields);
  }

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runInTransaction(this.dataSource, work);
  }

  /** The row locked for an edit in `manager`'s transaction, or null when it does not exist. */
  lockById(manager: EntityManager, id: number): Promise<StatusMapping | null> {
    return manager.findOne(StatusMapping, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** A copy of `row` with `changes`, as a row of `manager` (its version is checked and bumped on save). */
  changed(manager: EntityManager, row: StatusMapping, changes: Partial<StatusMapping>): StatusMapping {
    return Object.assign(manager.create(StatusMapping, row), changes);
  }

  save(manager: EntityManager, row: StatusMapping): Promise<StatusMapping> {
    return manager.save(StatusMapping, row);
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    await manager.delete(StatusMapping, { id });
  }

  async insertAudit(manager: EntityManager, entry: Pick<StatusMappingAudit, 'mappingId' | 'action' | 'actor' | 'before' | 'after'>): Promise<void> {
    await manager.insert(StatusMappingAudit, entry as object);
  }

  auditOf(mappingId: number): Promise<StatusMappingAudit[]> {
    return this.dataSource.getRepository(StatusMappingAudit).find({ where: { mappingId }, order: { id: 'ASC' } });
  }

  /** Every edit bumps the shared revision in its transaction: that is what tells every instance's cache it is old. */
  async bumpRevision(manager: EntityManager): Promise<void> {
    await manager.query('UPDATE status_mapping_revision SET revision = revision + 1 WHERE id = 1');
  }

  async readRevision(manager: EntityManager = this.dataSource.manager): Promise<string> {
    const [row] = (await manager.query('SELECT revision::text AS revision FROM status_mapping_revision WHERE id = 1')) as { revision: string }[];
    return row.revision;
  }

  /** Every row with the revision they are at, read in one statement so both come from the same snapshot. */
  async loadAll(manager: EntityManager = this.dataSource.manager): Promise<{ revision: string; rows: StatusMapping[] }> {
    const { entities, raw } = (await manager
      .getRepository(StatusMapping)
      .createQueryBuilder('m')
      .addSelect('r.revision::text', 'revision')
      .innerJoin(StatusMappingRevision, 'r', 'r.id = 1')
      .getRawAndEntities()) as { entities: StatusMapping[]; raw: { revision: string }[] };
    // An empty table joins no revision row: read it alone.
    return { revision: raw[0]?.revision ?? (await this.readRevision(manager)), rows: entities };
  }
}
