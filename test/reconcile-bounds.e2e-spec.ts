import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_PAGES_PER_RUN } from '../src/market-reconcile/market-reconcile.service';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { startFakeMarketApi, type FakeMarketApi, type MarketRequest } from './support/fake-market-api';
import { BUSINESS, marketLoopEnv, STORE } from './support/market-loop-fixtures';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

/**
 * A partner API that never stops paging. Against a mock that always answered with a nextPageToken, POST
 * /admin/market/reconcile made 730 requests in 15 s and had not answered: the loop stopped only on an empty token.
 */
describe('Market reconciliation stops on a looping Market', () => {
  let t: TestApp;
  let market: FakeMarketApi;
  let imshop: FakeImshop;
  let nextCampaign = 41_000_000 + Math.floor(Math.random() * 1_000_000);
  /** How the fake pages a search: the token it gives after the page read with `token`. */
  let nextToken: (token: string | null) => string = () => 'same-token';
  const searches = (campaignId: string) => market.calls('getBusinessOrders').filter((r) => String(r.body?.campaignIds?.[0]) === campaignId && r.body?.dates);
  const tokenOf = (r: MarketRequest) => new URL(r.path, 'http://fake').searchParams.get('pageToken');

  const admin = () => ({
    get: (path: string) => t.http().get(path).set('X-Api-Key', ADMIN_KEY),
    put: (path: string, body: object) => t.http().put(path).set('X-Api-Key', ADMIN_KEY).send(body),
    post: (path: string, body: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).send(body),
  });
  const newCampaign = async () => {
    const campaignId = String(++nextCampaign);
    expect((await admin().put(`/admin/market/campaigns/${campaignId}/automation`, { businessId: BUSINESS, storeId: STORE, rules: {} })).status).toBe(200);
    return campaignId;
  };
  const metric = async (labels: Record<string, string>) => {
    const text = (await admin().get('/metrics')).text;
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith('order_sync_reconcile_runs_total{') && wanted.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const stateOf = async (campaignId: string) => {
    const res = await admin().get('/admin/market/reconcile');
    expect(res.status).toBe(200);
    expect(res.body.maxPagesPerRun).toBe(MAX_PAGES_PER_RUN);
    return res.body.campaigns.find((c: { campaignId: string }) => c.campaignId === campaignId);
  };

  beforeAll(async () => {
    market = await startFakeMarketApi('market-api-key-0123456789');
    imshop = await startFakeImshop();
    t = await startTestApp(marketLoopEnv(market, imshop, { MARKET_RECONCILE_MINUTES: '0' }));
    market.respond((req) => {
      if (req.operationId !== 'getBusinessOrders' || !req.body?.dates) return undefined;
      // every page empty, and always a next one
      return { status: 200, body: { orders: [], paging: { nextPageToken: nextToken(tokenOf(req)) } } };
    });
  });
  afterAll(async () => {
    await t?.close();
    await market?.close();
    await imshop?.close();
  });

  it('stops on a page token Market gave before, says why in its answer, its metrics and GET /admin/market/reconcile', async () => {
    const campaignId = await newCampaign();
    nextToken = () => 'same-token';
    const res = await admin().post('/admin/market/reconcile', { campaignId });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      campaignId,
      pages: 2,
      stopped: { reason: 'page_token_repeated', message: expect.stringMatching(/page token it had given before/) },
    });
    expect(searches(campaignId).map(tokenOf)).toEqual([null, 'same-token']);
    expect(await metric({ campaign: campaignId, result: 'page_token_repeated' })).toBe(1);
    expect(await stateOf(campaignId)).toMatchObject({
      campaignId,
      businessId: BUSINESS,
      cursorAt: null,
      unfinished: { pagesDone: 1 },
      lastStop: { reason: 'page_token_repeated', at: expect.any(String) },
      lastError: expect.stringMatching(/page token it had given before/),
    });

    // the next run resumes at the stored token: one request, the same token again, stopped again
    expect((await admin().post('/admin/market/reconcile', { campaignId })).body.stopped.reason).toBe('page_token_repeated');
    expect(searches(campaignId)).toHaveLength(3);
    expect(await metric({ campaign: campaignId, result: 'page_token_repeated' })).toBe(2);

    // a loop of two tokens is a loop too
    const looping = await newCampaign();
    nextToken = (token) => (token === 'a' ? 'b' : 'a');
    expect((await admin().post('/admin/market/reconcile', { campaignId: looping })).body).toMatchObject({
      pages: 3,
      stopped: { reason: 'page_token_repeated' },
    });
    expect(searches(looping).map(tokenOf)).toEqual([null, 'a', 'b']);
  });

  it(`reads at most ${MAX_PAGES_PER_RUN} pages a run, then the next run goes on from there`, async () => {
    const campaignId = await newCampaign();
    let n = 0;
    nextToken = () => `page-${++n}`;
    const res = await admin().post('/admin/market/reconcile', { campaignId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      campaignId,
      mode: 'cursor',
      pages: MAX_PAGES_PER_RUN,
      stopped: { reason: 'page_limit', message: expect.stringMatching(/next run goes on/) },
    });
    expect(searches(campaignId)).toHaveLength(MAX_PAGES_PER_RUN);
    expect(await metric({ campaign: campaignId, result: 'page_limit' })).toBe(1);
    expect(await metric({ campaign: campaignId, result: 'success' })).toBe(0);
    expect(await stateOf(campaignId)).toMatchObject({
      cursorAt: null,
      unfinished: { pagesDone: MAX_PAGES_PER_RUN },
      lastStop: { reason: 'page_limit' },
      lastError: null,
    });

    // the next run starts at the page after the last one read, and Market's paging ends this time
    nextToken = (token) => (token === `page-${MAX_PAGES_PER_RUN}` ? `page-${MAX_PAGES_PER_RUN + 1}` : '');
    const next = await admin().post('/admin/market/reconcile', { campaignId });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ resumed: true, pages: 2 });
    expect(next.body.stopped).toBeUndefined();
    expect(searches(campaignId).slice(MAX_PAGES_PER_RUN).map(tokenOf)).toEqual([`page-${MAX_PAGES_PER_RUN}`, `page-${MAX_PAGES_PER_RUN + 1}`]);
    const finished = await stateOf(campaignId);
    expect(finished).toMatchObject({ unfinished: null, lastStop: null, lastSuccessAt: expect.any(String) });
    expect(finished.cursorAt).toBe(res.body.until);

    // a recovery window stops at the limit as well, and leaves the cursor alone
    n = 0;
    nextToken = () => `window-${++n}`;
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const windowed = await admin().post('/admin/market/reconcile', { campaignId, since });
    expect(windowed.body).toMatchObject({
      mode: 'window',
      pages: MAX_PAGES_PER_RUN,
      stopped: { reason: 'page_limit', message: expect.stringMatching(/shorter windows/) },
    });
    expect((await stateOf(campaignId)).cursorAt).toBe(res.body.until);
  }, 60_000);

  it('GET /admin/market/reconcile needs the admin key', async () => {
    expect((await t.http().get('/admin/market/reconcile')).status).toBe(401);
  });
});
