import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StatusMappingService } from '../src/status-mapping/status-mapping.service';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

describe('status mapping table over the admin API', () => {
  let t: TestApp;
  const admin = () => ({
    get: (url: string) => t.http().get(url).set('X-Api-Key', ADMIN_KEY),
    post: (url: string, body: object) => t.http().post(url).set('X-Api-Key', ADMIN_KEY).set('X-Actor', 'maria@shop').send(body),
    patch: (url: string, body: object) => t.http().patch(url).set('X-Api-Key', ADMIN_KEY).send(body),
    delete: (url: string) => t.http().delete(url).set('X-Api-Key', ADMIN_KEY),
  });
  const counts = async () => ({
    rows: (await t.db.query('SELECT count(*)::int AS n FROM status_mappings'))[0].n as number,
    audit: (await t.db.query('SELECT count(*)::int AS n FROM status_mapping_audit'))[0].n as number,
  });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is seeded with the defaults of DESIGN.md', async () => {
    const market = await admin().get('/admin/status-mappings?source=market');
    expect(market.status).toBe(200);
    const find = (code: string, sub: string | null) => market.body.find((r: any) => r.externalCode === code && r.externalSubstatus === sub);
    expect(find('PROCESSING', 'READY_TO_SHIP').internalStatus).toBe('READY_TO_SHIP');
    expect(find('PROCESSING', null).internalStatus).toBe('PROCESSING');
    expect(find('DELIVERY', null).internalStatus).toBe('SHIPPED');
    expect(find('UNPAID', null).internalStatus).toBe('NEW');

    const tickets = (await admin().get('/admin/status-mappings?source=imshop_ticket')).body;
    expect(tickets.find((r: any) => r.ticketType === 'prepare' && r.externalCode === 'failed').internalStatus).toBe('ASSEMBLY_FAILED');
    expect(tickets.find((r: any) => r.ticketType === 'ship' && r.externalCode === 'failed').internalStatus).toBeNull();
    expect(tickets.find((r: any) => r.ticketType === null && r.externalCode === 'not-accepted').attention).toBe(true);

    const outbound = (await admin().get('/admin/status-mappings?target=imshop')).body;
    expect(outbound).toHaveLength(14);
    expect(outbound.find((r: any) => r.internalStatus === 'READY_FOR_PICKUP')).toEqual(
      expect.objectContaining({ code: 'ready_for_pickup', message: 'Готов к выдаче' }),
    );
  });

  it('exports the outbound codes with descriptions for IMSHOP', async () => {
    const res = await admin().get('/admin/status-mappings/export?target=imshop');
    expect(res.status).toBe(200);
    expect(res.body.map((c: any) => c.code)).toEqual([
      'placed',
      'processing',
      'ready_to_dispatch',
      'dispatched',
      'ready_for_pickup',
      'done',
      'closed',
      'canceled',
    ]);
    expect(res.body.find((c: any) => c.code === 'processing').internalStatuses).toEqual(['PROCESSING', 'PARTIALLY_READY', 'ASSEMBLY_FAILED']);
    expect((await admin().get('/admin/status-mappings/export?target=nowhere')).status).toBe(400);
  });

  it('creates, changes and deletes a row, recording who did what', async () => {
    const created = await admin().post('/admin/status-mappings', { source: 'oms', externalCode: 'packed', internalStatus: 'READY_TO_SHIP' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({ direction: 'inbound', system: 'oms', externalCode: 'packed', internalStatus: 'READY_TO_SHIP', version: 1 }),
    );
    const id = created.body.id;

    const patched = await admin().patch(`/admin/status-mappings/${id}`, { internalStatus: 'READY_FOR_PICKUP', expectedVersion: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body.internalStatus).toBe('READY_FOR_PICKUP');
    expect(patched.body.version).toBe(2);

    const stale = await admin().patch(`/admin/status-mappings/${id}`, { internalStatus: 'SHIPPED', expectedVersion: 1 });
    expect(stale.status).toBe(409);
    expect((await admin().get(`/admin/status-mappings/${id}`)).body.internalStatus).toBe('READY_FOR_PICKUP');

    expect((await admin().delete(`/admin/status-mappings/${id}`)).status).toBe(204);
    expect((await admin().get(`/admin/status-mappings/${id}`)).status).toBe(404);

    const audit = (await admin().get(`/admin/status-mappings/${id}/audit`)).body;
    expect(audit.map((a: any) => a.action)).toEqual(['create', 'update', 'delete']);
    expect(audit[0].actor).toBe('maria@shop');
    expect(audit[1].before.internalStatus).toBe('READY_TO_SHIP');
    expect(audit[1].after.internalStatus).toBe('READY_FOR_PICKUP');
    expect(audit[2].after).toBeNull();
  });

  it.each([
    [{ source: 'oms', externalCode: 'x', internalStatus: 'SHIPPED_SOMEHOW' }, 'internalStatus'],
    [{ target: 'imshop', internalStatus: 'NEW', code: '' }, 'code'],
    [{ target: 'imshop', internalStatus: 'NEW' }, 'code'],
    [{ source: 'oms', externalCode: '' }, 'externalCode'],
    [{ source: 'oms' }, 'externalCode'],
    [{ source: 'ebay', externalCode: 'x' }, 'source'],
    [{ externalCode: 'x' }, 'source'],
    [{ source: 'imshop_ticket', ticketType: 'unbox', externalCode: 'done' }, 'ticketType'],
    [{ source: 'market', ticketType: 'prepare', externalCode: 'done' }, 'ticketType'],
    [{ source: 'oms', target: 'imshop', externalCode: 'x', internalStatus: 'NEW', code: 'x' }, 'target'],
    [{ source: 'oms', externalCode: 'x', internalStatus: 'NEW', colour: 'red' }, 'colour'],
    [{ source: 'oms', externalCode: 42 }, 'externalCode'],
  ])('refuses %j with a 400 naming %s and writes nothing', async (body, field) => {
    const before = await counts();
    const res = await admin().post('/admin/status-mappings', body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('answers 409 for a duplicate key and 400 for a bad change, leaving the row as it was', async () => {
    const before = await counts();
    const dup = await admin().post('/admin/status-mappings', { source: 'market', externalCode: 'DELIVERY', internalStatus: 'DELIVERED' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toContain('externalCode');
    expect(await counts()).toEqual(before);

    const row = (await admin().get('/admin/status-mappings?target=imshop')).body[0];
    const bad = await admin().patch(`/admin/status-mappings/${row.id}`, { code: '' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('code');
    const clash = await admin().patch(`/admin/status-mappings/${(await admin().get('/admin/status-mappings?source=market')).body[0].id}`, {
      externalCode: 'DELIVERY',
    });
    expect(clash.status).toBe(409);
    expect(await counts()).toEqual(before);
    expect((await admin().get(`/admin/status-mappings/${row.id}`)).body).toEqual(expect.objectContaining({ code: row.code, version: row.version }));
  });

  it('resolves inbound codes most specific first, and null rows mean "no change"', async () => {
    const mappings = t.app.get(StatusMappingService);
    expect((await mappings.resolveInbound({ source: 'market', code: 'PROCESSING', substatus: 'READY_TO_SHIP' })).internalStatus).toBe('READY_TO_SHIP');
    expect((await mappings.resolveInbound({ source: 'market', code: 'PROCESSING', substatus: 'SOME_NEW_SUBSTATUS' })).internalStatus).toBe('PROCESSING');
    expect((await mappings.resolveInbound({ source: 'market', code: 'CANCELLED', substatus: 'USER_CHANGED_MIND' })).internalStatus).toBe('CANCELLED');
    const shipFailed = await mappings.resolveInbound({ source: 'imshop_ticket', code: 'failed', ticketType: 'ship' });
    expect(shipFailed.mapping).not.toBeNull();
    expect(shipFailed.internalStatus).toBeNull();
    expect((await mappings.resolveInbound({ source: 'imshop_ticket', code: 'timeout', ticketType: 'prepare' })).mapping?.attention).toBe(true);
    const miss = await mappings.resolveInbound({ source: 'market', code: 'TELEPORTED' });
    expect(miss).toEqual({ mapping: null, internalStatus: null });
    expect(await mappings.resolveOutbound('imshop', 'CANCELLED')).toEqual({ code: 'canceled', message: 'Заказ отменён' });
  });

  it('never serves a stale cached mapping after an edit made through another instance', async () => {
    const other = await startTestApp({}, { databaseUrl: t.config.databaseUrl!, databaseName: t.databaseName });
    try {
      const here = t.app.get(StatusMappingService);
      expect((await here.resolveInbound({ source: 'market', code: 'PICKUP' })).internalStatus).toBe('READY_FOR_PICKUP');
      const row = (await admin().get('/admin/status-mappings?source=market')).body.find((r: any) => r.externalCode === 'PICKUP');
      const edit = await other.http().patch(`/admin/status-mappings/${row.id}`).set('X-Api-Key', ADMIN_KEY).send({ internalStatus: 'SHIPPED' });
      expect(edit.status).toBe(200);
      expect((await here.resolveInbound({ source: 'market', code: 'PICKUP' })).internalStatus).toBe('SHIPPED');
    } finally {
      await other.close();
    }
  });
});
