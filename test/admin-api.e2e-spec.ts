import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

describe('admin API authentication and docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses admin endpoints without a key', async () => {
    const res = await t.http().get('/admin/status-mappings');
    expect(res.status).toBe(401);
    expect(res.body.message).toContain('X-Api-Key');
  });

  it('refuses a wrong key, in either header', async () => {
    expect((await t.http().get('/admin/orders').set('X-Api-Key', 'wrong-key-wrong-key')).status).toBe(401);
    expect((await t.http().get('/admin/orders').set('Authorization', 'Bearer wrong-key-wrong-key')).status).toBe(401);
    expect((await t.http().get('/admin/orders').set('Authorization', `Basic ${ADMIN_KEY}`)).status).toBe(401);
  });

  it('accepts the key in X-Api-Key or as a Bearer token', async () => {
    expect((await t.http().get('/admin/orders').set('X-Api-Key', ADMIN_KEY)).status).toBe(200);
    expect((await t.http().get('/admin/orders').set('Authorization', `Bearer ${ADMIN_KEY}`)).status).toBe(200);
  });

  it('does not write anything for an unauthenticated change', async () => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM status_mappings');
    const res = await t.http().post('/admin/status-mappings').send({ source: 'oms', externalCode: 'x', internalStatus: 'NEW' });
    expect(res.status).toBe(401);
    expect(await t.db.query('SELECT count(*)::int AS n FROM status_mappings')).toEqual(before);
  });

  it('serves the OpenAPI document with the admin key as a security scheme and examples', async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.body.components.securitySchemes['admin-key']).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }));
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/admin/status-mappings', '/admin/orders/{id}', '/health']));
    expect(res.body.components.securitySchemes['admin-bearer']).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    // either form of the key: two alternative requirements
    expect(res.body.paths['/admin/status-mappings'].get.security).toEqual([{ 'admin-key': [] }, { 'admin-bearer': [] }]);
    const create = res.body.components.schemas.CreateStatusMappingDto;
    expect(create.properties.externalCode.example).toBe('PROCESSING');
    expect((await t.http().get('/docs/')).text).toContain('swagger-ui');
  });

  it('answers broken JSON and oversized bodies with a JSON 400/413, never an HTML page', async () => {
    const broken = await t.http().post('/admin/status-mappings').set('X-Api-Key', ADMIN_KEY).set('Content-Type', 'application/json').send('{"source": ');
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/application\/json/);
    expect(broken.body.message).toMatch(/^body: malformed JSON/);

    const huge = JSON.stringify({ source: 'oms', externalCode: 'x'.repeat(2 * 1024 * 1024) });
    const tooLarge = await t.http().post('/admin/status-mappings').set('X-Api-Key', ADMIN_KEY).set('Content-Type', 'application/json').send(huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.message).toContain('BODY_LIMIT');
  });
});
