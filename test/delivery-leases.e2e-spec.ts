import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryProcessor } from '../src/outbox/delivery.processor';
import { OutboxRepository, type AttemptRecord } from '../src/outbox/outbox.repository';
import { TargetProbe } from '../src/outbox/target-probe';
import { eventually, startFakePeer, type FakePeer } from './support/fake-http-peer';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const IMSHOP_KEY = 'imshop-test-key-0123456789';
/** Lease tokens of two claims made by "other workers" in these tests. */
const TOKEN_A = '00000000-0000-4000-8000-00000000000a';
const TOKEN_B = '00000000-0000-4000-8000-00000000000b';

/**
 * A delivery's lease belongs to the claim that took it (its token): only that claim renews it or records its
 * outcome, a late outcome still counts while nobody claimed the delivery since, and a probe of a paused target
 * spends none of the attempts of the delivery it tries.
 */
describe('delivery leases and probes (real PostgreSQL, fake IMSHOP over HTTP)', () => {
  let t: TestApp;
  let imshop: FakePeer;
  let n = 0;
  const nextOrder = () => `DL-${++n}-${Date.now()}`;
  const admin = (path: string, body?: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).send(body);
  const oms = (body: object) => admin('/orders/status', body);
  const deliveryOf = async (orderNumber: string) =>
    (
      (await t.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = $1 ORDER BY d.id`, [
        orderNumber,
      ])) as Record<string, any>[]
    )[0];
  const repository = () => t.app.get(OutboxRepository);
  const claimOptions = { probe: false, maxAttempts: 3, leaseMs: 60_000, unrecordedDelaysMs: { imshop: [60_000, 60_000, 60_000] }, inOrderTargets: [] };
  const outcome = (id: string, token: string, attempt: number, state: AttemptRecord['state']): AttemptRecord => ({
    id,
    token,
    attempt,
    probe: false,
    state,
    outcome: state === 'sent' ? 'sent' : 'retry',
    startedAt: new Date(),
    latencyMs: 5,
    statusCode: state === 'sent' ? 200 : 503,
    error: state === 'sent' ? null : 'HTTP 503',
    responseText: '{}',
    responseJson: '{}',
    retryInMs: state === 'retrying' ? 60_000 : null,
  });
  /** A delivery written and left waiting: the app's own worker is paused until `release` runs. */
  const waitingDelivery = async () => {
    const worker = t.app.get(DeliveryProcessor).worker;
    await worker.pause();
    const id = nextOrder();
    await oms({ id, code: 'processing' });
    return { orderNumber: id, delivery: await deliveryOf(id), resumeWorker: () => worker.resume() };
  };
  /** The claim's lease ended long ago and a sweeper released it: its worker lost the database longer than the lease. */
  const lapse = async (deliveryId: string) => {
    await t.db.query(`UPDATE deliveries SET lease_until = now() - interval '1 minute' WHERE id = $1`, [deliveryId]);
    await repository().releaseExpiredLeases(100);
    expect((await t.db.query('SELECT state FROM deliveries WHERE id = $1', [deliveryId]))[0].state).toBe('retrying');
  };

  beforeAll(async () => {
    imshop = await startFakePeer();
    t = await startTestApp({
      IMSHOP_API_KEY: IMSHOP_KEY,
      IMSHOP_STATUS_URL: `${imshop.url}/statuses`,
      DELIVERY_TIMEOUT_MS: '400',
      DELIVERY_MAX_ATTEMPTS: '3',
      // 0.5 s, then 30 s, then 3 min: a delivery that failed twice would wait 30 s
      DELIVERY_BACKOFF_MS: '500',
      OUTBOX_SWEEP_MS: '100',
      // 0.3 s of failing pauses the target; the probe runs only when a test calls it
      PAUSE_AFTER_MINUTES: '0.005',
      TARGET_PROBE_INTERVAL_MS: '3600000',
    });
  });
  afterAll(async () => {
    await t?.close();
    await imshop?.close();
  });

  it('renews only the lease its own claim holds', async () => {
    const { delivery, resumeWorker } = await waitingDelivery();
    try {
      const [claim] = await repository().claim([{ id: delivery.id, token: TOKEN_A }], claimOptions);
      expect(claim).toEqual(expect.objectContaining({ verdict: 'claimed', attempts: 1 }));
      expect(await repository().renewLeases([{ id: delivery.id, token: TOKEN_B }], 60_000)).toEqual(new Set());
      expect(await repository().renewLeases([{ id: delivery.id, token: TOKEN_A }], 60_000)).toEqual(new Set([TOKEN_A]));
      await lapse(delivery.id);
      // Released: not this worker's any more, so not renewed (the worker then starts no request under it).
      expect(await repository().renewLeases([{ id: delivery.id, token: TOKEN_A }], 60_000)).toEqual(new Set());
      await repository().record([outcome(delivery.id, TOKEN_A, 1, 'sent')], []);
    } finally {
      await resumeWorker();
    }
  });

  it('records a late outcome while nobody claimed the delivery since its lease lapsed: it is still the latest word', async () => {
    const { orderNumber, delivery, resumeWorker } = await waitingDelivery();
    try {
      await repository().claim([{ id: delivery.id, token: TOKEN_A }], claimOptions);
      await lapse(delivery.id);
      const [recorded] = await repository().record([outcome(delivery.id, TOKEN_A, 1, 'sent')], []);
      expect(recorded.recorded).toBe(true);
      expect(await deliveryOf(orderNumber)).toEqual(expect.objectContaining({ state: 'sent', attempts: 1, lease_until: null }));
    } finally {
      await resumeWorker();
    }
    // Sent by "another worker": the app's worker, resumed, sends nothing more.
    await new Promise((r) => setTimeout(r, 500));
    expect(imshop.requests.filter((r) => r.body?.id === orderNumber)).toHaveLength(0);
  });

  it('logs, and does not apply, a late outcome of a claim whose delivery was claimed again', async () => {
    const { orderNumber, delivery, resumeWorker } = await waitingDelivery();
    try {
      await repository().claim([{ id: delivery.id, token: TOKEN_A }], claimOptions);
      await lapse(delivery.id);
      await t.db.query(`UPDATE deliveries SET next_attempt_at = now() WHERE id = $1`, [delivery.id]);
      const [second] = await repository().claim([{ id: delivery.id, token: TOKEN_B }], claimOptions);
      expect(second).toEqual(expect.objectContaining({ verdict: 'claimed', attempts: 2 }));
      // The first claim's outcome comes back now: it must not overwrite what the second claim is doing.
      const [late] = await repository().record([outcome(delivery.id, TOKEN_A, 1, 'retrying')], []);
      expect(late.recorded).toBe(false);
      expect(await deliveryOf(orderNumber)).toEqual(expect.objectContaining({ state: 'in_flight', attempts: 2 }));
      const [current] = await repository().record([outcome(delivery.id, TOKEN_B, 2, 'sent')], []);
      expect(current.recorded).toBe(true);
      expect(
        (await t.db.query('SELECT attempt, outcome FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id', [delivery.id])).map((a: any) => [
          a.attempt,
          a.outcome,
        ]),
      ).toEqual([
        [1, 'retry'],
        [2, 'sent'],
      ]);
      expect(await deliveryOf(orderNumber)).toEqual(expect.objectContaining({ state: 'sent', attempts: 2 }));
    } finally {
      await resumeWorker();
    }
  });

  it('gives back a claim whose request never left, with its attempt not counted and due at once', async () => {
    const { orderNumber, delivery, resumeWorker } = await waitingDelivery();
    try {
      await repository().claim([{ id: delivery.id, token: TOKEN_A }], claimOptions);
      expect(await repository().releaseUnsent(delivery.id, TOKEN_B, 1, false)).toBe(false);
      expect(await repository().releaseUnsent(delivery.id, TOKEN_A, 1, false)).toBe(true);
      expect(await deliveryOf(orderNumber)).toEqual(expect.objectContaining({ state: 'retrying', attempts: 0 }));
    } finally {
      await resumeWorker();
    }
    // Due now: the sweeper queues it and the worker sends it, as its first attempt.
    await eventually(async () => (await deliveryOf(orderNumber)).state === 'sent');
    expect(await deliveryOf(orderNumber)).toEqual(expect.objectContaining({ state: 'sent', attempts: 1 }));
  });

  it('probes spend no attempts: after more probes than DELIVERY_MAX_ATTEMPTS and a resume by hand, the probed delivery is sent at once', async () => {
    let up = false;
    imshop.respond(() => (up ? { status: 200, body: { success: true } } : { status: 503, body: { error: 'down' } }));
    const orderNumber = nextOrder();
    await oms({ id: orderNumber, code: 'processing' });
    // Two attempts fail (0.5 s apart): the target is paused, and the third attempt would wait 30 s.
    await eventually(async () => ((await t.db.query(`SELECT paused FROM delivery_targets WHERE target = 'imshop'`))[0]?.paused ? true : undefined), 10_000);
    const paused = await eventually(async () => {
      const row = await deliveryOf(orderNumber);
      return row.state === 'retrying' ? row : undefined;
    });
    const spent = paused.attempts;
    expect(spent).toBeGreaterThanOrEqual(1);
    expect(spent).toBeLessThan(3);

    const probe = t.app.get(TargetProbe);
    for (let i = 0; i < 5; i++) {
      await t.db.query(`UPDATE delivery_targets SET last_probe_at = NULL WHERE target = 'imshop'`);
      expect(await probe.tick()).toEqual({ imshop: 'retrying' });
    }
    const probed = await deliveryOf(orderNumber);
    expect(probed).toEqual(expect.objectContaining({ state: 'retrying', attempts: spent }));
    const probes = (await t.db.query('SELECT attempt, outcome, status_code FROM delivery_attempts WHERE delivery_id = $1 AND probe ORDER BY id', [
      probed.id,
    ])) as any[];
    expect(probes).toEqual(Array.from({ length: 5 }, () => ({ attempt: spent, outcome: 'retry', status_code: 503 })));

    up = true;
    const resumedAt = Date.now();
    expect((await admin('/admin/targets/imshop/resume')).status).toBe(200);
    const sent = await eventually(async () => {
      const row = await deliveryOf(orderNumber);
      return row.state === 'sent' ? row : undefined;
    }, 5_000);
    // At once, not after the 30 s its schedule had: a probe's failure leaves it due.
    expect(Date.now() - resumedAt).toBeLessThan(5_000);
    expect(sent.attempts).toBe(spent + 1);
    expect(imshop.requests.filter((r) => r.body?.id === orderNumber)).toHaveLength(spent + 5 + 1);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE state = 'dead'`))[0].n).toBe(0);
  });
});
