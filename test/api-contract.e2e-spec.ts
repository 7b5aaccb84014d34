import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { controllerRoutes, notificationApi } from './support/answer-check';
import { takeContractViolations } from './support/contract-violations';
import { partnerApi, partnerApiRequestProblems } from './support/fake-market-api';
import { OpenApiContract, type OpenApiDocument, type Operation } from './support/openapi-contract';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

/**
 * /docs-json says exactly what the app answers: every route is an operation, every status an operation can
 * answer is listed with a body schema, and every way each key is accepted is described. Every e2e suite checks
 * its answers against it (test/support/answer-check.ts); this file checks the document as a whole, both forms of
 * each key against a running app, and that the checks do fail when something leaves its spec.
 */

const IMSHOP_KEY = 'contract-imshop-key-0123456789';

function operations(document: OpenApiDocument): { label: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>)
      .filter(([, operation]) => typeof operation === 'object' && operation !== null && 'responses' in operation)
      .map(([method, operation]) => ({ label: `${method.toUpperCase()} ${path}`, path, operation })),
  );
}

describe('the OpenAPI description (/docs-json) lists every answer and every key', () => {
  for (const sandbox of [false, true]) {
    describe(sandbox ? 'with SANDBOX=true' : 'as deployed (no sandbox)', () => {
      let t: TestApp;
      let document: OpenApiDocument;
      beforeAll(async () => {
        t = await startTestApp(sandbox ? { SANDBOX: 'true' } : { IMSHOP_WEBHOOK_KEY: IMSHOP_KEY });
        document = (await t.http().get('/docs-json').expect(200)).body;
      });
      afterAll(async () => {
        await t?.close();
      });

      it('has an operation for every route the controllers serve', () => {
        const contract = OpenApiContract.fromDocument(document);
        const missing = controllerRoutes(t.app)
          .filter((route) => !contract.match(route.label.split(' ')[0], route.label.split(' ')[1].replace(/:[A-Za-z0-9_]+/g, '1')))
          .map((route) => route.label);
        expect(missing).toEqual([]);
        expect(controllerRoutes(t.app).length).toBeGreaterThan(30);
      });

      it('gives every operation its shared answers, and every answer but a 204 a body schema', () => {
        const problems: string[] = [];
        for (const { label, path, operation } of operations(document)) {
          const statuses = Object.keys(operation.responses);
          if (!statuses.includes('500') && !statuses.includes('default')) problems.push(`${label}: no 500`);
          if ((operation.requestBody || operation.parameters?.length) && !statuses.includes('400') && !statuses.includes('default'))
            problems.push(`${label}: no 400`);
          if (operation.requestBody && !path.startsWith('/market') && !path.startsWith('/sandbox/') && !statuses.includes('413'))
            problems.push(`${label}: no 413`);
          if (operation.security?.length && !statuses.includes('401') && !path.startsWith('/sandbox/')) problems.push(`${label}: secured, but no 401`);
          for (const [status, response] of Object.entries(operation.responses)) {
            const content = response.content ?? {};
            if (status === '204') {
              if (Object.keys(content).length) problems.push(`${label} → 204: a body`);
              continue;
            }
            if (!Object.keys(content).length) problems.push(`${label} → ${status}: no body schema`);
            for (const [type, media] of Object.entries(content)) if (!media.schema) problems.push(`${label} → ${status} ${type}: no schema`);
          }
        }
        expect(problems).toEqual([]);
      });

      it('describes both forms of the admin key, and the IMSHOP key as Bearer and as "key" in every IMSHOP body', () => {
        const schemes = document.components!.securitySchemes!;
        expect(schemes['admin-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
        expect(schemes['admin-bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
        expect(schemes['imshop-key']).toMatchObject({ type: 'http', scheme: 'bearer', 'x-body-property': 'key' });
        expect(schemes['imshop-key'].description).toContain('"key"');
        const contract = OpenApiContract.fromDocument(document);
        const problems: string[] = [];
        for (const { label, path, operation } of operations(document)) {
          const names = (operation.security ?? []).map((requirement) => Object.keys(requirement).join('+'));
          if (names.includes('admin-key') !== names.includes('admin-bearer')) problems.push(`${label}: ${names.join(', ')}`);
          if (names.includes('imshop-key') && !path.startsWith('/sandbox/')) {
            const method = label.split(' ')[0].toLowerCase();
            const schema = contract.locate<{ properties?: Record<string, unknown> }>([
              'paths',
              path,
              method,
              'requestBody',
              'content',
              'application/json',
              'schema',
            ]).node;
            if (!schema?.properties?.key) problems.push(`${label}: the body does not declare "key"`);
          }
        }
        expect(problems).toEqual([]);
        expect(operations(document).filter(({ operation }) => JSON.stringify(operation.security ?? []).includes('admin-bearer')).length).toBeGreaterThan(30);
      });

      if (sandbox) return;

      it('places every answer to either form of each key (status, body, credential)', async () => {
        const before = { ...t.answers.counts };
        const orders = [
          await t.http().get('/admin/orders').set('X-Api-Key', ADMIN_KEY),
          await t.http().get('/admin/orders').set('Authorization', `Bearer ${ADMIN_KEY}`),
          await t.http().get('/admin/orders/0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10').set('Authorization', `Bearer ${ADMIN_KEY}`),
          await t.http().get('/admin/orders').set('Authorization', 'Bearer wrong-key-wrong-key'),
          await t.http().get('/metrics').set('Authorization', `Bearer ${ADMIN_KEY}`),
          await t.http().get('/metrics'),
        ];
        expect(orders.map((res) => res.status)).toEqual([200, 200, 404, 401, 200, 401]);
        expect(orders[5].headers['content-type']).toMatch(/^application\/json/);
        const cancel = { id: 'contract-unknown-order', status: 'canceled', reason: 'Передумал' };
        const imshop = [
          await t.http().post('/imshop/orders/cancel').set('Authorization', `Bearer ${IMSHOP_KEY}`).send(cancel),
          await t
            .http()
            .post('/imshop/orders/cancel')
            .send({ ...cancel, key: IMSHOP_KEY }),
          await t
            .http()
            .post('/imshop/orders/cancel')
            .send({ ...cancel, key: 'wrong-key' }),
          await t
            .http()
            .post('/imshop/tickets/status')
            .send({ key: IMSHOP_KEY, ticketId: 'rsp-contract-1', orderId: 'contract-1', storeId: '1', status: 'done', metadata: { timestamp: '1764000000' } }),
        ];
        expect(imshop.map((res) => res.status)).toEqual([200, 200, 401, 200]);
        expect(imshop[1].body).toMatchObject({ success: false });
        expect(t.answers.counts.placed - before.placed).toBe(orders.length + imshop.length);
        expect(takeContractViolations()).toEqual([]);
      });

      it('finds an answer, a credential or a route the document does not describe', () => {
        const contract = OpenApiContract.fromDocument(document);
        const get = contract.match('GET', '/admin/orders/0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10')!;
        expect(contract.answerProblems(get, { status: 418, contentType: 'application/json', text: '{}' })).toEqual([
          expect.stringContaining('the status is not listed'),
        ]);
        expect(
          contract.answerProblems(get, { status: 404, contentType: 'application/json', text: '{"statusCode":404,"message":"x","extra":1}' }, { closed: true }),
        ).toEqual([expect.stringContaining('body.extra: not in the schema')]);
        expect(contract.answerProblems(get, { status: 404, contentType: 'text/html', text: '<html>' })).toEqual([expect.stringContaining('a text/html body')]);
        expect(contract.answerProblems(get, { status: 200, contentType: 'application/json', text: '{"id":"x"}' })).not.toEqual([]);
        expect(contract.credentialProblems(get, { method: 'GET', url: '/admin/orders/x', headers: {} })).toEqual([
          expect.stringContaining('none of its security requirements'),
        ]);
        expect(contract.credentialProblems(get, { method: 'GET', url: '/admin/orders/x', headers: { 'x-api-key': 'k' } })).toEqual([]);
        const cancel = contract.match('POST', '/imshop/orders/cancel')!;
        expect(contract.credentialProblems(cancel, { method: 'POST', url: '/imshop/orders/cancel', headers: {}, body: { key: 'k' } })).toEqual([]);
        expect(contract.credentialProblems(cancel, { method: 'POST', url: '/imshop/orders/cancel', headers: {}, body: { token: 'k' } })).not.toEqual([]);
        expect(contract.match('GET', '/admin/no-such-thing')).toBeUndefined();
      });
    });
  }
});

describe("Market's official specs in test/fixtures", () => {
  it('refuse a partner API request that leaves the spec', async () => {
    const spec = await partnerApi();
    const request = (method: string, url: string, body: unknown, headers: Record<string, string> = { 'api-key': 'k', 'content-type': 'application/json' }) =>
      partnerApiRequestProblems(spec, { method, url, headers, raw: body === undefined ? '' : JSON.stringify(body) }, 'k');
    const status = '/v2/campaigns/21683701/orders/46830651/status';
    expect(request('PUT', status, { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } })).toEqual([]);
    expect(request('PUT', status, { order: { status: 'READY' } })).not.toEqual([]);
    expect(request('PUT', status, { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP', note: 'x' } })).toEqual(['body.order.note: not in the schema']);
    expect(request('PUT', '/v2/campaigns/abc/orders/46830651/status', { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } })).toEqual([
      expect.stringMatching(/^path parameter campaignId: /),
    ]);
    expect(request('PUT', status, { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } }, { 'content-type': 'application/json' })).toEqual([
      'api-key header is undefined',
    ]);
    expect(request('POST', '/v1/businesses/675789/orders?limit=50&colour=red', { orderIds: [46830651] })).toEqual([
      'query parameter colour: not in the document',
    ]);
    expect(request('GET', '/v2/campaigns/1/no-such-method', undefined)).toEqual(['no GET /v2/campaigns/1/no-such-method in the document']);
  });

  it("refuse an answer to Market that leaves the notification spec's responses", async () => {
    const spec = await notificationApi();
    const operation = spec.match('POST', '/notification')!;
    const answer = (status: number, body: unknown) =>
      spec.answerProblems(operation, { status, contentType: 'application/json', text: JSON.stringify(body) }, { closed: true });
    expect(answer(200, { version: '0.1.0', name: 'order-sync', time: '2026-11-24T12:00:00.000Z' })).toEqual([]);
    expect(answer(400, { error: { type: 'WRONG_EVENT_FORMAT', message: 'orderId is required' } })).toEqual([]);
    expect(answer(200, { version: '0.1.0', name: 'order-sync' })).toEqual([expect.stringContaining("must have required property 'time'")]);
    expect(answer(400, { error: { type: 'BAD', message: 'x' } })).toEqual([expect.stringContaining('must be equal to one of the allowed values')]);
    expect(answer(503, { error: { type: 'UNKNOWN', message: 'x' } })).toEqual([expect.stringContaining('the status is not listed')]);
  });
});
