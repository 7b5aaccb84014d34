import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/common/domain-error';
import { StatusMappingService } from '../../src/status-mapping/status-mapping.service';
import { startServices, type ServiceContext } from './service-context';
import { runInTransaction } from '../../src/database/transaction';

/** The mapping table without HTTP: typed errors, the revision, and a resolver checked once per transaction. */
describe('StatusMappingService', () => {
  let ctx: ServiceContext;
  let mappings: StatusMappingService;

  beforeAll(async () => {
    ctx = await startServices();
    mappings = ctx.get(StatusMappingService);
  });
  afterAll(() => ctx.close());

  it('raises typed errors: invalid rows, a duplicate key, a missing row', async () => {
    await expect(mappings.create({ source: 'oms', target: 'imshop', externalCode: 'x', internalStatus: 'NEW' } as never, 'svc')).rejects.toThrow(
      InvalidInputError,
    );
    const invalid = await mappings.create({ source: 'nowhere', externalCode: ' ', internalStatus: 'NEW' } as never, 'svc').catch((error: unknown) => error);
    expect((invalid as InvalidInputError).messages).toEqual([expect.stringContaining('source must be one of'), 'externalCode must not be empty']);
    await expect(mappings.create({ source: 'market', externalCode: 'DELIVERY', internalStatus: 'DELIVERED' } as never, 'svc')).rejects.toThrow(ConflictError);
    await expect(mappings.get(987654)).rejects.toThrow(NotFoundError);
    await expect(mappings.remove(987654, 'svc')).rejects.toThrow(NotFoundError);
  });

  it('bumps the revision with every edit, and a resolver taken after the edit sees it', async () => {
    const before = await mappings.currentRevision();
    const row = await mappings.create({ source: 'oms', externalCode: 'svc_packed', internalStatus: 'READY_TO_SHIP' } as never, 'svc');
    expect(BigInt(await mappings.currentRevision())).toBe(BigInt(before) + 1n);
    const resolved = await runInTransaction(ctx.db, async (tx) => (await mappings.inboundResolver(tx))({ source: 'oms', code: 'svc_packed' }));
    expect(resolved).toEqual({ mapping: expect.objectContaining({ id: row.id }), internalStatus: 'READY_TO_SHIP' });
    // An edit made around this instance's cache (as another instance would) is seen by the next transaction.
    await ctx.db.transaction(async (manager) => {
      await manager.query(`UPDATE status_mappings SET internal_status = 'SHIPPED' WHERE id = $1`, [row.id]);
      await manager.query('UPDATE status_mapping_revision SET revision = revision + 1 WHERE id = 1');
    });
    const after = await runInTransaction(ctx.db, async (tx) => (await mappings.inboundResolver(tx))({ source: 'oms', code: 'svc_packed' }));
    expect(after.internalStatus).toBe('SHIPPED');
  });
});
