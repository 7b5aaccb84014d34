import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleClient, textOf } from './support/console-client';
import { eventually } from './support/fake-http-peer';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

/**
 * The web console over real HTTP, as a browser sends it (forms, the session cookie, Origin), without a browser:
 * who may see and change what (sessions, CSRF, the cookie, sign-in limits, masking), and what its pages and actions
 * do to the rows of the owning modules. test/console-walkthrough.e2e-spec.ts drives the same pages in Chromium.
 */

const IMSHOP_KEY = 'imshop-console-key-0123456789';
const UNKNOWN_ORDER = '00000000-0000-4000-8000-000000000000';

async function appWithImshop(imshop: FakeImshop, env: Record<string, string> = {}) {
  return startTestApp({
    IMSHOP_API_KEY: IMSHOP_KEY,
    IMSHOP_STATUS_URL: `${imshop.url}/statuses`,
    MARKET_ALLOWED_CIDRS: '*',
    DELIVERY_BACKOFF_MS: '40',
    DELIVERY_BACKOFF_MAX_MS: '300',
    DELIVERY_TIMEOUT_MS: '1000',
    DELIVERY_MAX_ATTEMPTS: '3',
    ...env,
  });
}

describe('the console: sessions, CSRF, the cookie, masking', () => {
  let imshop: FakeImshop;
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    imshop = await startFakeImshop();
    t = await appWithImshop(imshop, { TRUST_PROXY: 'loopback', CONSOLE_SESSION_HOURS: '2' });
    base = await t.listen();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await imshop?.close();
  });

  const adminTargets = async () =>
    (await t.http().get('/admin/targets').set('X-Api-Key', ADMIN_KEY)).body as { target: string; paused: boolean; pausedBy: string | null }[];
  const mappingVersion = async (id: number) => (await t.http().get(`/admin/status-mappings/${id}`).set('X-Api-Key', ADMIN_KEY)).body.version as number;

  it('shows no page and takes no action without a session: pages send the browser to sign in, actions are refused', async () => {
    const stranger = new ConsoleClient(base);
    const pages = [
      '/console/orders',
      `/console/orders/${UNKNOWN_ORDER}`,
      `/console/orders/${UNKNOWN_ORDER}/events/h1`,
      '/console/deliveries',
      '/console/deliveries/1',
      '/console/deliveries/1/retry',
      '/console/targets',
      '/console/targets/imshop/pause',
      '/console/mappings',
      '/console/mappings/1/audit',
      '/console/mappings/export',
      '/console/sandbox',
      '/console/no-such-page',
    ];
    for (const cookie of [undefined, 'order_sync_console=forged-token', `order_sync_console=${'x'.repeat(5000)}`]) {
      for (const path of pages) {
        const visit = await stranger.request(path, { cookie: cookie ?? null });
        expect([path, visit.status, visit.location]).toEqual([path, 303, `/console/sign-in?next=${encodeURIComponent(path)}`]);
        expect(visit.html).not.toContain('<table');
      }
    }
    const actions = [
      '/console/deliveries/1/retry',
      '/console/targets/imshop/pause',
      '/console/targets/imshop/resume',
      '/console/targets/imshop/recover',
      '/console/mappings/1',
      '/console/sandbox/faults',
      '/console/sign-out',
    ];
    for (const path of actions) {
      const visit = await stranger.request(path, {
        form: { _csrf: 'anything', since: '2020-01-01T00:00:00Z', code: 'x', expectedVersion: '1' },
        headers: { origin: stranger.origin },
      });
      expect([path, visit.status]).toEqual([path, 401]);
      expect(textOf(visit.html)).toContain('Sign in with the admin key first.');
    }
    expect((await adminTargets()).find((target) => target.target === 'imshop')?.paused ?? false).toBe(false);
    expect(await mappingVersion(1)).toBe(1);
    // The sign-in page and the assets are the only things a stranger gets.
    expect((await stranger.get('/console/sign-in')).status).toBe(200);
  });

  it('signs in with the admin key only, into an HttpOnly, SameSite=Strict cookie with an expiry, Secure behind TLS; the token itself is not stored', async () => {
    const visitor = new ConsoleClient(base);
    const wrong = await visitor.request('/console/sign-in', { form: { key: 'not-the-key' }, headers: { origin: visitor.origin } });
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toEqual([]);
    expect(textOf(wrong.html)).toContain('That is not the admin key.');

    const signedIn = await visitor.signIn(ADMIN_KEY, 'Anna');
    expect(signedIn.location).toBe('/console/orders');
    const cookie = signedIn.setCookie.find((c) => c.startsWith('order_sync_console='))!;
    const attributes = cookie.split(';').map((part) => part.trim());
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/console', 'Max-Age=7200']));
    expect(attributes.find((a) => a.startsWith('Expires='))).toBeDefined();
    expect(attributes).not.toContain('Secure');
    const token = visitor.cookie!.split('=')[1];
    expect(token.length).toBeGreaterThanOrEqual(40);
    const rows = (await t.db.query('SELECT token_hash, actor, expires_at FROM console_sessions')) as { token_hash: string; actor: string; expires_at: Date }[];
    expect(rows.map((r) => r.token_hash)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(token);
    const session = rows.find((r) => r.actor === 'Anna')!;
    expect(Math.abs(session.expires_at.getTime() - Date.now() - 2 * 3_600_000)).toBeLessThan(60_000);
    // The page is the orders page, and knows who signed in.
    expect(textOf((await visitor.get('/console/orders')).html)).toContain('Signed in as Anna');

    // Behind a TLS-terminating proxy (TRUST_PROXY): the cookie is Secure.
    const overTls = await visitor.request('/console/sign-in', {
      form: { key: ADMIN_KEY },
      headers: { origin: 'https://console.example.com', 'x-forwarded-host': 'console.example.com', 'x-forwarded-proto': 'https' },
      cookie: null,
    });
    expect(overTls.status).toBe(303);
    expect(
      overTls.setCookie
        .find((c) => c.startsWith('order_sync_console='))!
        .split(';')
        .map((p) => p.trim()),
    ).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Strict']));
  });

  it('refuses a change from another site or without the page’s token, and makes it with both', async () => {
    const anna = new ConsoleClient(base);
    await anna.signIn(ADMIN_KEY, 'Anna');
    const other = new ConsoleClient(base);
    await other.signIn(ADMIN_KEY, 'Boris');
    expect(other.csrf).not.toBe(anna.csrf);
    const refusals: [string, () => ReturnType<ConsoleClient['request']>][] = [
      ['another site’s origin', () => anna.post('/console/targets/imshop/pause', {}, { origin: 'https://evil.example' })],
      ['a look-alike host', () => anna.post('/console/targets/imshop/pause', {}, { origin: `http://${new URL(base).host}.evil.example` })],
      ['the null origin', () => anna.post('/console/targets/imshop/pause', {}, { origin: 'null' })],
      ['a cross-site fetch', () => anna.request('/console/targets/imshop/pause', { form: { _csrf: anna.csrf! }, headers: { 'sec-fetch-site': 'cross-site' } })],
      ['a same-site fetch', () => anna.request('/console/targets/imshop/pause', { form: { _csrf: anna.csrf! }, headers: { 'sec-fetch-site': 'same-site' } })],
      ['no token', () => anna.request('/console/targets/imshop/pause', { form: {}, headers: { origin: anna.origin } })],
      ['a wrong token', () => anna.post('/console/targets/imshop/pause', { _csrf: 'x'.repeat(43) })],
      ['another session’s token', () => anna.post('/console/targets/imshop/pause', { _csrf: other.csrf! })],
    ];
    for (const [what, send] of refusals) {
      const visit = await send();
      expect([what, visit.status]).toEqual([what, 403]);
      expect(textOf(visit.html)).toMatch(/came from another site|did not carry the page’s token/);
    }
    expect((await adminTargets()).find((target) => target.target === 'imshop')?.paused ?? false).toBe(false);
    // A sign-in from another site's page is refused too (it would sign the victim in as the attacker).
    const forgedSignIn = await anna.request('/console/sign-in', { form: { key: ADMIN_KEY }, headers: { origin: 'https://evil.example' }, cookie: null });
    expect([forgedSignIn.status, forgedSignIn.setCookie]).toEqual([403, []]);

    // The console's own form: same origin, the page's token. The pause is Anna's.
    const confirm = await anna.get('/console/targets/imshop/pause');
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain('Pause imshop?');
    expect((await adminTargets()).find((target) => target.target === 'imshop')?.paused ?? false).toBe(false);
    const paused = await anna.post('/console/targets/imshop/pause');
    expect(paused.status).toBe(200);
    expect(textOf(paused.html)).toContain('imshop is paused');
    expect((await adminTargets()).find((target) => target.target === 'imshop')).toMatchObject({ paused: true, pausedBy: 'Anna' });
    const resumed = await anna.post('/console/targets/imshop/resume');
    expect(textOf(resumed.html)).toContain('imshop is resumed');
    expect((await adminTargets()).find((target) => target.target === 'imshop')?.paused).toBe(false);
  });

  it('ends a session at sign-out, at its expiry, and when the admin key changes', async () => {
    const visitor = new ConsoleClient(base);
    await visitor.signIn(ADMIN_KEY, 'Vera');
    const out = await visitor.post('/console/sign-out');
    expect([out.status, out.location]).toEqual([303, '/console/sign-in?signed-out=1']);
    expect(out.setCookie[0]).toMatch(/^order_sync_console=; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=0/);
    expect((await visitor.get('/console/orders')).status).toBe(303);
    expect(await t.db.query("SELECT 1 FROM console_sessions WHERE actor = 'Vera'")).toEqual([]);

    await visitor.signIn(ADMIN_KEY, 'Vera');
    expect((await visitor.get('/console/orders')).status).toBe(200);
    await t.db.query("UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE actor = 'Vera'");
    const expired = await visitor.get('/console/orders');
    expect([expired.status, expired.location]).toEqual([303, '/console/sign-in?next=%2Fconsole%2Forders']);

    await visitor.signIn(ADMIN_KEY, 'Vera');
    const rotated = await startTestApp({ ADMIN_API_KEY: 'a-new-admin-key-0123456789' }, { databaseUrl: t.config.databaseUrl!, databaseName: t.databaseName });
    try {
      const after = new ConsoleClient(await rotated.listen());
      after.cookie = visitor.cookie;
      expect((await after.get('/console/orders')).status).toBe(303);
    } finally {
      await rotated.close();
    }
  });

  it('shows a body with credentials masked, and markup in a body as text', async () => {
    const secrets = ['sk-live-4242424242', 'tok-9f8e7d6c5b4a', 'abcdef0123456789bearer', 'hunter2-password'];
    const notification = {
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 777001,
      orderId: 88001,
      status: 'PROCESSING',
      substatus: 'STARTED',
      updatedAt: '2026-12-01T10:00:00Z',
      apiKey: secrets[0],
      extra: { token: secrets[1], authorization: `Bearer ${secrets[2]}`, nested: [{ password: secrets[3] }] },
      comment: '<script>alert("console")</script><img src=x onerror=alert(1)>',
    };
    expect((await t.http().post('/market/notification').send(notification)).status).toBe(200);
    const visitor = new ConsoleClient(base);
    await visitor.signIn(ADMIN_KEY);
    const found = await visitor.get('/console/orders?q=88001');
    const link = /href="(\/console\/orders\/[0-9a-f-]{36})"/.exec(found.html)![1];
    const event = /data-event="(h\d+)"/.exec((await visitor.get(link)).html)![1];
    // The details of an arrow: the page opened with it selected, and the fragment its script fetches.
    const journey = await visitor.get(`${link}?event=${event}`);
    expect(journey.status).toBe(200);
    const fragment = await visitor.get(`${link}/events/${event}`);
    expect(fragment.status).toBe(200);
    for (const secret of secrets) expect(fragment.html).not.toContain(secret);
    expect(textOf(fragment.html)).toContain('"apiKey": "[masked]"');
    for (const secret of secrets) expect(journey.html).not.toContain(secret);
    const text = textOf(journey.html);
    expect(text).toContain('"apiKey": "[masked]"');
    expect(text).toContain('"token": "[masked]"');
    expect(text).toContain('"authorization": "[masked]"');
    expect(text).toContain('"password": "[masked]"');
    expect(journey.html).not.toContain('<script>alert');
    expect(journey.html).not.toContain('<img src=x');
    expect(text).toContain('<script>alert(\\"console\\")</script>');
    // Nothing inline may run: scripts and styles come from the console's own files only.
    const csp = journey.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(journey.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the console: failed sign-ins are limited like the admin API', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_RATE_LIMIT: '3' });
    base = await t.listen();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses the key once more than ADMIN_RATE_LIMIT wrong ones came in a minute, even the right one, on the other admin doors too', async () => {
    const guesser = new ConsoleClient(base);
    // ADMIN_RATE_LIMIT=3: more than 3 failed logins (the fourth) and the address is refused before its key is looked at.
    for (let i = 0; i < 4; i++)
      expect((await guesser.request('/console/sign-in', { form: { key: `guess-${i}` }, headers: { origin: guesser.origin } })).status).toBe(401);
    const limited = await guesser.request('/console/sign-in', { form: { key: 'guess-5' }, headers: { origin: guesser.origin } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(textOf(limited.html)).toContain('Too many failed sign-ins');
    const right = await guesser.request('/console/sign-in', { form: { key: ADMIN_KEY }, headers: { origin: guesser.origin } });
    expect([right.status, right.setCookie]).toEqual([429, []]);
    // The same allowance as every door that takes the admin key: the OMS intake refuses this address now.
    expect((await t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id: 'LIMITED-1', code: 'processing' })).status).toBe(429);
  });
});

describe('the console: orders, deliveries, targets and the mapping table', () => {
  let imshop: FakeImshop;
  let t: TestApp;
  let visitor: ConsoleClient;

  beforeAll(async () => {
    imshop = await startFakeImshop();
    imshop.respond((request) => (request.body?.id === 'CONSOLE-B' ? { status: 400, body: { success: false, message: 'unknown order' } } : undefined));
    t = await appWithImshop(imshop);
    visitor = new ConsoleClient(await t.listen());
    await visitor.signIn(ADMIN_KEY, 'Anna');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await imshop?.close();
  });

  const oms = (id: string, code: string) => t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id, code });
  const orderIdOf = async (externalId: string) =>
    (await t.http().get(`/admin/orders?externalId=${externalId}`).set('X-Api-Key', ADMIN_KEY)).body.items[0].id as string;
  const linksIn = (html: string) => [...html.matchAll(/<td><a href="\/console\/orders\/([0-9a-f-]{36})">/g)].map((m) => m[1]);

  it('finds an order by any of its ids, and filters by status, source and stuck', async () => {
    expect((await oms('CONSOLE-A', 'processing')).status).toBe(200);
    expect((await oms('CONSOLE-B', 'processing')).status).toBe(200);
    expect(
      (
        await t
          .http()
          .post('/market/notification')
          .send({ notificationType: 'ORDER_CREATED', campaignId: 777002, orderId: 99002, items: [], createdAt: '2026-12-01T10:00:00Z' })
      ).status,
    ).toBe(200);
    const ticket = await t
      .http()
      .post('/imshop/tickets/status')
      .set('Authorization', `Bearer ${IMSHOP_KEY}`)
      .send({ ticketId: 'rsp-console-1', orderId: 'CONSOLE-A', storeId: '1456', status: 'shipped' });
    expect(ticket.status).toBe(200);
    const [a, b, m] = [await orderIdOf('CONSOLE-A'), await orderIdOf('CONSOLE-B'), await orderIdOf('99002')];
    await eventually(async () => (await t.http().get(`/admin/deliveries?orderId=${b}&state=dead`).set('X-Api-Key', ADMIN_KEY)).body.items.length === 1);

    for (const [q, expected] of [
      ['CONSOLE-A', [a]],
      ['99002', [m]],
      [a, [a]],
      ['rsp-console-1', [a]],
      ['nothing-like-it', []],
    ] as const) {
      const page = await visitor.get(`/console/orders?q=${encodeURIComponent(q)}`);
      expect([q, page.status, linksIn(page.html)]).toEqual([q, 200, expected]);
    }
    const stuck = await visitor.get('/console/orders?stuck=1');
    expect(linksIn(stuck.html)).toEqual([b]);
    expect(textOf(stuck.html)).toContain('imshop: dead');
    expect(linksIn((await visitor.get('/console/orders?source=market')).html)).toEqual([m]);
    expect(linksIn((await visitor.get('/console/orders?status=NEW')).html)).toEqual([m]);
    expect(linksIn((await visitor.get('/console/orders?q=CONSOLE-A&stuck=1')).html)).toEqual([]);
    const bad = await visitor.get('/console/orders?status=LOST&page=0');
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain('status must be one of NEW');
    expect(textOf(bad.html)).toContain('page must not be less than 1');
    expect((await visitor.get(`/console/orders/${UNKNOWN_ORDER}`)).status).toBe(404);
    expect((await visitor.get('/console/orders/not-a-uuid')).status).toBe(400);
  });

  it('retries a dead delivery after asking, and says what it did', async () => {
    const b = await orderIdOf('CONSOLE-B');
    const [dead] = (await t.http().get(`/admin/deliveries?orderId=${b}&state=dead`).set('X-Api-Key', ADMIN_KEY)).body.items;
    // The arrow's details as the journey's script fetches them: the delivery alone, and only under its own order.
    const fragment = await visitor.get(`/console/orders/${b}/events/d${dead.id}`);
    expect(fragment.status).toBe(200);
    expect(textOf(fragment.html)).toContain('unknown order');
    expect((await visitor.get(`/console/orders/${await orderIdOf('CONSOLE-A')}/events/d${dead.id}`)).status).toBe(404);
    expect((await visitor.get(`/console/orders/${b}/events/d99999999999`)).status).toBe(404);
    expect((await visitor.get(`/console/orders/${b}/events/d99999999999999999999`)).status).toBe(404);
    const page = await visitor.get(`/console/deliveries/${dead.id}`);
    expect(textOf(page.html)).toContain('unknown order');
    expect(page.html).toContain(`href="/console/deliveries/${dead.id}/retry"`);
    const confirm = await visitor.get(`/console/deliveries/${dead.id}/retry`);
    expect(textOf(confirm.html)).toContain(`Retry delivery ${dead.id}?`);
    expect((await t.http().get(`/admin/deliveries/${dead.id}`).set('X-Api-Key', ADMIN_KEY)).body.state).toBe('dead');
    imshop.respond(() => undefined);
    const done = await visitor.post(`/console/deliveries/${dead.id}/retry`);
    expect(done.status).toBe(200);
    expect(textOf(done.html)).toContain(`Delivery ${dead.id} is pending again`);
    await eventually(async () => (await t.http().get(`/admin/deliveries/${dead.id}`).set('X-Api-Key', ADMIN_KEY)).body.state === 'sent');
    const again = await visitor.post(`/console/deliveries/${dead.id}/retry`);
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain('was already sent');
    expect((await visitor.get('/console/deliveries?state=sent')).html).toContain(`/console/deliveries/${dead.id}"`);
    const recovered = await visitor.post('/console/targets/imshop/recover', { since: '2020-01-01T00:00:00Z', until: '' });
    expect(textOf(recovered.html)).toContain('0 of 0 dead deliveries got a fresh set of attempts');
    // A delivery IMSHOP refuses dies; recovering the target's dead deliveries sends it again.
    imshop.respond((request) => (request.body?.id === 'CONSOLE-R' ? { status: 400, body: { success: false, message: 'not yet' } } : undefined));
    expect((await oms('CONSOLE-R', 'processing')).status).toBe(200);
    const r = await orderIdOf('CONSOLE-R');
    let refused: { id: string; state: string } | undefined;
    await eventually(async () => {
      [refused] = (await t.http().get(`/admin/deliveries?orderId=${r}`).set('X-Api-Key', ADMIN_KEY)).body.items;
      return refused?.state === 'dead';
    });
    imshop.respond(() => undefined);
    const revived = await visitor.post('/console/targets/imshop/recover', { since: '2020-01-01T00:00:00Z', until: '' });
    expect(textOf(revived.html)).toContain('1 of 1 dead deliveries got a fresh set of attempts');
    await eventually(async () => (await t.http().get(`/admin/deliveries/${refused!.id}`).set('X-Api-Key', ADMIN_KEY)).body.state === 'sent');
    const badRange = await visitor.post('/console/targets/imshop/recover', { since: 'yesterday' });
    expect(badRange.status).toBe(400);
    expect(textOf(badRange.html)).toContain('since must be an ISO 8601 date-time');
  });

  it('edits a mapping row in place; a second editor with the old version is refused and sees the row as it is; the audit names the editor', async () => {
    const page = await visitor.get('/console/mappings?system=out:imshop');
    const row = /<tr id="row-(\d+)"[^>]*><td>\d+<\/td><td>imshop<\/td><td>READY_FOR_PICKUP<\/td>[\s\S]*?name="expectedVersion" value="(\d+)"/.exec(page.html)!;
    const [id, version] = [row[1], row[2]];
    const saved = await visitor.post(`/console/mappings/${id}`, {
      code: 'ready_for_pickup',
      message: 'Ждёт вас в магазине',
      expectedVersion: version,
      system: 'out:imshop',
    });
    expect(saved.status).toBe(200);
    expect(textOf(saved.html)).toContain(`Row ${id} saved (version ${Number(version) + 1})`);
    const stale = await visitor.post(`/console/mappings/${id}`, {
      code: 'ready_for_pickup',
      message: 'Готов к выдаче (старая страница)',
      expectedVersion: version,
      system: 'out:imshop',
    });
    expect(stale.status).toBe(409);
    expect(textOf(stale.html)).toContain('was changed by someone else');
    expect(stale.html).toContain('value="Ждёт вас в магазине"');
    const current = (await t.http().get(`/admin/status-mappings/${id}`).set('X-Api-Key', ADMIN_KEY)).body;
    expect(current).toMatchObject({ message: 'Ждёт вас в магазине', version: Number(version) + 1 });
    const audit = textOf((await visitor.get(`/console/mappings/${id}/audit`)).html);
    expect(audit).toContain('Anna');
    expect(audit).toContain('message : "Готов к выдаче" → "Ждёт вас в магазине"');
    const exported = await visitor.get('/console/mappings/export?target=imshop');
    expect(textOf(exported.html)).toContain('ready_for_pickup Ждёт вас в магазине READY_FOR_PICKUP');
    const invalid = await visitor.post(`/console/mappings/${id}`, { code: '', message: 'x'.repeat(600), expectedVersion: String(Number(version) + 1) });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain('message must be shorter than or equal to 512 characters');
  });
});
