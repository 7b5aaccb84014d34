import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/transaction';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain-error';
import { uniqueViolationOf } from '../database/unique-violation';
import type { OrderStatus } from '../orders/order-status';
import { CreateStatusMappingDto, ExportedStatusCode, ListStatusMappingsQuery, UpdateStatusMappingDto } from './dto/status-mapping.dto';
import { StatusMappingAudit } from './status-mapping-audit.entity';
import { StatusMappingRepository } from './status-mapping.repository';
import { assertValidRow, describeKey, resolveInboundIn, type InboundLookup, type InboundResolution } from './status-mapping-rules';
import { matchKeyOf, outboundMatchKey, StatusMapping } from './status-mapping.entity';

export type { InboundLookup, InboundResolution } from './status-mapping-rules';

interface MappingCache {
  revision: string;
  byKey: Map<string, StatusMapping>;
}

/** Resolves one inbound code against the table as it was checked for a transaction (no round trip). */
export type InboundResolver = (lookup: InboundLookup) => InboundResolution;

@Injectable()
export class StatusMappingService {
  private cache?: MappingCache;
  private loading?: Promise<MappingCache>;

  constructor(private readonly repository: StatusMappingRepository) {}

  async resolveInbound(lookup: InboundLookup, tx?: Tx): Promise<InboundResolution> {
    return resolveInboundIn((await this.freshCache(tx)).byKey, lookup);
  }

  /**
   * For a caller that resolves many codes in one transaction (a batch of order events): the table is checked
   * once, here, and each lookup then costs no round trip.
   */
  async inboundResolver(tx?: Tx): Promise<InboundResolver> {
    const { byKey } = await this.freshCache(tx);
    return (lookup) => resolveInboundIn(byKey, lookup);
  }

  /** `substatus`: for target market, the Market substatus sent with `code` (outbound rows keep it in externalSubstatus). */
  async resolveOutbound(target: string, internalStatus: OrderStatus, tx?: Tx): Promise<{ code: string; message: string | null; substatus?: string } | null> {
    const row = (await this.freshCache(tx)).byKey.get(outboundMatchKey(target, internalStatus));
    if (!row?.code) return null;
    return row.externalSubstatus ? { code: row.code, message: row.message, substatus: row.externalSubstatus } : { code: row.code, message: row.message };
  }

  /** The table's revision now: bumped by every edit (a replay names the revision it applied). */
  currentRevision(): Promise<string> {
    return this.repository.readRevision();
  }

  list(query: ListStatusMappingsQuery): Promise<StatusMapping[]> {
    return this.repository.list(query);
  }

  async get(id: number): Promise<StatusMapping> {
    const row = await this.repository.findById(id);
    if (!row) throw new NotFoundError(`status mapping ${id} does not exist`);
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
      throw new InvalidInputError(['target: give either source (inbound row) or target (outbound row), not both']);
    }
    const inbound = dto.source !== undefined;
    const row = this.repository.newRow({
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
    return this.edit(async (tx) => {
      const { manager } = tx;
      const saved = await this.repository.save(manager, row);
      await this.audit(tx, saved.id, 'create', actor, null, saved);
      return saved;
    }, row);
  }

  async update(id: number, dto: UpdateStatusMappingDto, actor: string): Promise<StatusMapping> {
    return this.edit(async (tx) => {
      const { manager } = tx;
      const current = await this.repository.lockById(manager, id);
      if (!current) throw new NotFoundError(`status mapping ${id} does not exist`);
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) {
        throw new ConflictError(
          `status mapping ${id} was changed by someone else (version ${current.version}, you expected ${dto.expectedVersion}); reload it and try again`,
        );
      }
      const before = { ...current };
      const next = this.repository.changed(manager, current, {
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
      const saved = await this.repository.save(manager, next);
      await this.audit(tx, id, 'update', actor, before, saved);
      return saved;
    }, dto);
  }

  async remove(id: number, actor: string): Promise<void> {
    await this.edit(async (tx) => {
      const { manager } = tx;
      const current = await this.repository.lockById(manager, id);
      if (!current) throw new NotFoundError(`status mapping ${id} does not exist`);
      await this.repository.delete(manager, id);
      await this.audit(tx, id, 'delete', actor, current, null);
    }, {});
  }

  history(id: number): Promise<StatusMappingAudit[]> {
    return this.repository.auditOf(id);
  }

  /** Every edit bumps the shared revision in the same transaction, which is what invalidates all caches. */
  private async edit<T>(work: (tx: Tx) => Promise<T>, attempted: Partial<StatusMapping> | object): Promise<T> {
    try {
      const result = await this.repository.transaction(async (tx) => {
        const value = await work(tx);
        await this.repository.bumpRevision(tx.manager);
        return value;
      });
      this.cache = undefined;
      return result;
    } catch (error) {
      if (uniqueViolationOf(error) !== undefined) {
        throw new ConflictError(`externalCode: a mapping with the same key already exists (${describeKey(attempted)})`);
      }
      throw error;
    }
  }

  private async audit({ manager }: Tx, mappingId: number, action: StatusMappingAudit['action'], actor: string, before: unknown, after: unknown): Promise<void> {
    await this.repository.insertAudit(manager, { mappingId, action, actor, before, after });
  }

  /**
   * The table as of the caller's transaction, checked once per transaction (its revision read in it). Pass the
   * caller's transaction when there is one: asking the pool for a second connection while a transaction holds one
   * can starve the pool under load.
   */
  private freshCache(tx?: Tx): Promise<MappingCache> {
    return tx ? tx.remember('status-mappings', () => this.cacheAt(tx)) : this.cacheAt();
  }

  private async cacheAt(tx?: Tx): Promise<MappingCache> {
    const revision = await this.repository.readRevision(tx?.manager);
    if (this.cache?.revision === revision) return this.cache;
    this.loading ??= this.load(tx).finally(() => (this.loading = undefined));
    const loaded = await this.loading;
    // A load that began before this edit was seen may be older than the revision just read: check again.
    return BigInt(loaded.revision) >= BigInt(revision) ? loaded : this.cacheAt(tx);
  }

  private async load(tx?: Tx): Promise<MappingCache> {
    const { revision, rows } = await this.repository.loadAll(tx?.manager);
    this.cache = { revision, byKey: new Map(rows.map((row) => [row.matchKey, row])) };
    return this.cache;
  }
}
