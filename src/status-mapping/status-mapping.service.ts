import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { uniqueViolationOf } from '../database/unique-violation';
import { isOrderStatus, ORDER_STATUSES, OrderStatus } from '../orders/order-status';
import { CreateStatusMappingDto, ExportedStatusCode, ListStatusMappingsQuery, UpdateStatusMappingDto } from './dto/status-mapping.dto';
import { marketOutboundProblems } from './market-outbound-rules';
import { INBOUND_SOURCES, OUTBOUND_TARGETS, TICKET_TYPES } from './mapping-systems';
import { StatusMappingAudit } from './status-mapping-audit.entity';
import { StatusMappingRevision } from './status-mapping-revision.entity';
import { inboundMatchKey, matchKeyOf, outboundMatchKey, StatusMapping } from './status-mapping.entity';

export interface InboundResolution {
  /** The row that matched, or null when the code is not in the table (a mapping miss). */
  mapping: StatusMapping | null;
  /** null when unmapped or when the row says "no status change". */
  internalStatus: OrderStatus | null;
}

export interface InboundLookup {
  source: string;
  code: string;
  substatus?: string | null;
  ticketType?: string | null;
}

interface MappingCache {
  revision: string;
  byKey: Map<string, StatusMapping>;
}

/**
 * The shared revision as a scalar subquery, for a caller that runs a statement in the transaction anyway
 * (the order lock): it passes the value to resolveInbound and saves the round trip of reading it here.
 */
export const MAPPING_REVISION_SQL = '(SELECT revision::text FROM status_mapping_revision WHERE id = 1)';

@Injectable()
export class StatusMappingService {
  private cache?: MappingCache;
  private loading?: Promise<MappingCache>;
  /** The revision is checked once per transaction: later lookups in it reuse what that check found. */
  private readonly checkedIn = new WeakMap<EntityManager, MappingCache>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Resolution order, most specific first: exact ticket type and substatus, then any substatus,
   * then rows valid for any ticket type. `revision`: the caller read MAPPING_REVISION_SQL in this transaction.
   */
  async resolveInbound(lookup: InboundLookup, manager?: EntityManager, revision?: string): Promise<InboundResolution> {
    const { byKey } = await this.freshCache(manager, revision);
    const types = lookup.ticketType ? [lookup.ticketType, null] : [null];
    const substatuses = lookup.substatus ? [lookup.substatus, null] : [null];
    for (const ticketType of types) {
      for (const substatus of substatuses) {
        const row = byKey.get(inboundMatchKey(lookup.source, ticketType, lookup.code, substatus));
        if (row) return { mapping: row, internalStatus: row.internalStatus };
      }
    }
    return { mapping: null, internalStatus: null };
  }

  /** `substatus`: for target market, the Market substatus sent with `code` (outbound rows keep it in externalSubstatus). */
  async resolveOutbound(
    target: string,
    internalStatus: OrderStatus,
    manager?: EntityManager,
  ): Promise<{ code: string; message: string | null; substatus?: string } | null> {
    const row = (await this.freshCache(manager)).byKey.get(outboundMatchKey(target, internalStatus));
    if (!row?.code) return null;
    return row.externalSubstatus ? { code: row.code, message: row.message, substatus: row.externalSubstatus } : { code: row.code, message: row.message };
  }

  async list(query: ListStatusMappingsQuery): Promise<StatusMapping[]> {
    const qb = this.dataSource.getRepository(StatusMapping).createQueryBuilder('m').orderBy('m.id', 'ASC');
    if (query.source) qb.andWhere("m.direction = 'inbound' AND m.system = :source", { source: query.source });
    if (query.target) qb.andWhere("m.direction = 'outbound' AND m.system = :target", { target: query.target });
    return qb.getMany();
  }

  async get(id: number): Promise<StatusMapping> {
    const row = await this.dataSource.getRepository(StatusMapping).findOneBy({ id });
    if (!row) throw new NotFoundException(`status mapping ${id} does not exist`);
    return row;
  }

  /** The codes IMSHOP asks retailers to hand over, each with a description (the buyer-facing message). */
  async exportCodes(target: string): Promise<ExportedStatusCode[]> {
    const rows = await this.list({ target });
    const byCode = new Map<string, ExportedStatusCode>();
    for (const row of rows) {
      if (!row.code) continue;
      const entry = byCode.get(row.code) ?? { code: row.code, description: row.message ?? row.code, internalStatuses: [] };
      entry.internalStatuses.push(row.internalStatus as OrderStatus);
      byCode.set(row.code, entry);
    }
    return [...byCode.values()];
  }

  async create(dto: CreateStatusMappingDto, actor: string): Promise<StatusMapping> {
    if (dto.source !== undefined && dto.target !== undefined) {
      throw new BadRequestException(['target: give either source (inbound row) or target (outbound row), not both']);
    }
    const inbound = dto.source !== undefined;
    const row = this.dataSource.getRepository(StatusMapping).create({
      direction: inbound ? 'inbound' : 'outbound',
      system: (inbound ? dto.source : dto.target) as string,
      ticketType: inbound ? (dto.ticketType ?? null) : null,
      externalCode: inbound ? (dto.externalCode ?? null) : null,
      // Outbound market rows keep the Market substatus to send here; other outbound rows refuse one (assertValidRow).
      externalSubstatus: dto.externalSubstatus ?? null,
      internalStatus: dto.internalStatus ?? null,
      code: inbound ? null : (dto.code ?? null),
      message: dto.message ?? null,
      attention: dto.attention ?? false,
    });
    assertValidRow(row);
    row.matchKey = matchKeyOf(row);
    return this.edit(async (manager) => {
      const saved = await manager.save(StatusMapping, row);
      await this.audit(manager, saved.id, 'create', actor, null, saved);
      return saved;
    }, row);
  }

  async update(id: number, dto: UpdateStatusMappingDto, actor: string): Promise<StatusMapping> {
    return this.edit(async (manager) => {
      const current = await manager.findOne(StatusMapping, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new NotFoundException(`status mapping ${id} does not exist`);
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) {
        throw new ConflictException(
          `status mapping ${id} was changed by someone else (version ${current.version}, you expected ${dto.expectedVersion}); reload it and try again`,
        );
      }
      const before = { ...current };
      const next: StatusMapping = Object.assign(manager.create(StatusMapping, current), {
        ticketType: dto.ticketType !== undefined ? dto.ticketType : current.ticketType,
        externalCode: dto.externalCode !== undefined ? dto.externalCode : current.externalCode,
        externalSubstatus: dto.externalSubstatus !== undefined ? dto.externalSubstatus : current.externalSubstatus,
        internalStatus: dto.internalStatus !== undefined ? dto.internalStatus : current.internalStatus,
        code: dto.code !== undefined ? dto.code : current.code,
        message: dto.message !== undefined ? dto.message : current.message,
        attention: dto.attention !== undefined ? dto.attention : current.attention,
      });
      assertValidRow(next);
      next.matchKey = matchKeyOf(next);
      const saved = await manager.save(StatusMapping, next);
      await this.audit(manager, id, 'update', actor, before, saved);
      return saved;
    }, dto);
  }

  async remove(id: number, actor: string): Promise<void> {
    await this.edit(async (manager) => {
      const current = await manager.findOne(StatusMapping, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new NotFoundException(`status mapping ${id} does not exist`);
      await manager.delete(StatusMapping, { id });
      await this.audit(manager, id, 'delete', actor, current, null);
    }, {});
  }

  async history(id: number): Promise<StatusMappingAudit[]> {
    return this.dataSource.getRepository(StatusMappingAudit).find({ where: { mappingId: id }, order: { id: 'ASC' } });
  }

  /** Every edit bumps the shared revision in the same transaction, which is what invalidates all caches. */
  private async edit<T>(work: (manager: EntityManager) => Promise<T>, attempted: Partial<StatusMapping> | object): Promise<T> {
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        const value = await work(manager);
        await manager.query('UPDATE status_mapping_revision SET revision = revision + 1 WHERE id = 1');
        return value;
      });
      this.cache = undefined;
      return result;
    } catch (error) {
      if (uniqueViolationOf(error) !== undefined) {
        throw new ConflictException(`externalCode: a mapping with the same key already exists (${describeKey(attempted)})`);
      }
      throw error;
    }
  }

  private async audit(
    manager: EntityManager,
    mappingId: number,
    action: StatusMappingAudit['action'],
    actor: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await manager.insert(StatusMappingAudit, { mappingId, action, actor, before: before as object, after: after as object });
  }

  /**
   * Pass the caller's transaction when there is one: asking the pool for a second connection while a
   * transaction holds one can starve the pool under load.
   */
  private async freshCache(manager?: EntityManager, knownRevision?: string): Promise<MappingCache> {
    const checked = manager && this.checkedIn.get(manager);
    if (checked) return checked;
    const fresh = await this.cacheAt(manager ?? this.dataSource.manager, knownRevision);
    if (manager?.queryRunner) this.checkedIn.set(manager, fresh);
    return fresh;
  }

  private async cacheAt(manager: EntityManager, knownRevision?: string): Promise<MappingCache> {
    const revision =
      knownRevision ?? ((await manager.query(`SELECT ${MAPPING_REVISION_SQL} AS revision`)) as { revision: string }[])[0].revision;
    if (this.cache?.revision === revision) return this.cache;
    this.loading ??= this.load(manager).finally(() => (this.loading = undefined));
    const loaded = await this.loading;
    // A load that began before this edit was seen may be older than the revision just read: check again.
    return BigInt(loaded.revision) >= BigInt(revision) ? loaded : this.cacheAt(manager);
  }

  /** One statement, so the rows and the revision come from the same snapshot. */
  private async load(manager: EntityManager): Promise<MappingCache> {
    const rows = (await manager
      .getRepository(StatusMapping)
      .createQueryBuilder('m')
      .addSelect('r.revision::text', 'revision')
      .innerJoin(StatusMappingRevision, 'r', 'r.id = 1')
      .getRawAndEntities()) as { entities: StatusMapping[]; raw: { revision: string }[] };
    const revision = rows.raw[0]?.revision ?? (await manager.query('SELECT revision::text AS revision FROM status_mapping_revision WHERE id = 1'))[0].revision;
    this.cache = { revision, byKey: new Map(rows.entities.map((row) => [row.matchKey, row])) };
    return this.cache;
  }
}

function describeKey(row: Partial<StatusMapping> & { source?: string; target?: string }): string {
  return Object.entries(row)
    .filter(([key, value]) => value !== undefined && value !== null && key !== 'matchKey' && key !== 'message')
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}

/** Cross-field rules that class-validator cannot express on a single field; messages start with the field. */
export function assertValidRow(
  row: Pick<StatusMapping, 'direction' | 'system' | 'ticketType' | 'externalCode' | 'internalStatus' | 'code'> & Partial<Pick<StatusMapping, 'externalSubstatus'>>,
): void {
  const problems: string[] = [];
  if (row.direction === 'inbound') {
    if (!(INBOUND_SOURCES as readonly string[]).includes(row.system)) problems.push(`source must be one of ${INBOUND_SOURCES.join(', ')}`);
    if (!row.externalCode?.trim()) problems.push('externalCode must not be empty');
    if (row.ticketType !== null && row.system !== 'imshop_ticket') problems.push('ticketType is only allowed for source imshop_ticket');
    if (row.ticketType !== null && !(TICKET_TYPES as readonly string[]).includes(row.ticketType)) {
      problems.push(`ticketType must be one of ${TICKET_TYPES.join(', ')}`);
    }
    if (row.internalStatus !== null && !isOrderStatus(row.internalStatus)) problems.push(`internalStatus must be one of ${ORDER_STATUSES.join(', ')} or null`);
  } else {
    if (!(OUTBOUND_TARGETS as readonly string[]).includes(row.system)) problems.push(`target must be one of ${OUTBOUND_TARGETS.join(', ')}`);
    if (!isOrderStatus(row.internalStatus)) problems.push(`internalStatus must be one of ${ORDER_STATUSES.join(', ')}`);
    if (!row.code?.trim()) problems.push('code must not be empty');
    else if (row.system === 'market') problems.push(...marketOutboundProblems(row.code, row.externalSubstatus ?? null));
    else if (row.externalSubstatus) problems.push('externalSubstatus is only allowed on outbound rows of target market');
  }
  if (problems.length) throw new BadRequestException(problems);
}
