/**
 * Property-based fuzzing of one inbound endpoint (issue 5, item 2), used by test/fuzz/*.fuzz-spec.ts.
 *
 * Every generated request goes in-process through supertest to the real app on a fresh PostgreSQL
 * database, and must get: a status below 500; a JSON answer; for a 4xx, an error body naming the problem
 * (Market `{error: {type, message}}`, elsewhere `{statusCode, message}`); no row written (counts of the
 * tables below, before and after); after every batch, /health still 200 and no built-in prototype changed.
 *
 * Knobs (env): FUZZ_RUNS (payloads per endpoint, default 5000), FUZZ_SEED / FUZZ_PATH (replay a failure:
 * both are printed by fast-check), FUZZ_SHRINK=1 (shrink a failure), FUZZ_COLLECT=1 (go on after a
 * violation and report one example of each kind at the end), FUZZ_PROFILE=1 (time per generator).
 */
import { Agent } from 'node:http';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import pg from 'pg';
import { startTestApp, type TestApp } from '../../support/test-app';
import { malformedCaseArb, mutatedExampleArb, randomJsonArb, validExampleArb, wrongTransportArb, type CaseOptions, type FuzzCase } from './arbitraries';

/**
 * Payloads per endpoint (default 5,000). The seed is printed with every summary and every failure;
 * FUZZ_SEED=<seed> (plus FUZZ_PATH=<path> from fast-check's failure report) generates the same requests again.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
const FUZZ_PATH = process.env.FUZZ_PATH || undefined;
/** FUZZ_SHRINK=1 lets fast-check shrink a failure to a minimal request (slower); off in CI. */
const SHRINK = process.env.FUZZ_SHRINK === '1';
const BATCH = Number(process.env.FUZZ_BATCH ?? 25);
/** Requests in flight at once for a batch of malformed payloads. */
const CONCURRENCY = 6;
/** Each test's own limit: far above the normal run (~15-25 s per endpoint on two cores). */
export const FUZZ_TIMEOUT_MS = 600_000;

export interface FuzzEndpoint {
  name: string;
  path: string;
  /** Market answers `{error: {type, message}}`; the rest of the API `{statusCode, message}`. */
  errorShape: 'market' | 'nest';
  cases: CaseOptions;
  /** What a well-formed request carries (the key). */
  headers: Record<string, string>;
  /** Wrong, missing or malformed credentials, mixed in now and then. */
  badHeaders?: Record<string, string>[];
  /** Further headers to fuzz on every request (e.g. X-Actor). */
  extraHeaders?: fc.Arbitrary<Record<string, string>>;
  /**
   * Waits for work an accepted request left running after its answer (e.g. ticket withdrawals after a
   * cancellation), so that its rows are not mistaken for rows of the next, rejected request.
   */
  settle?: () => Promise<void>;
}

interface Sent {
  c: FuzzCase;
  headers: Record<string, string>;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
  requestId: string;
}

/** The app's error log lines (JSON), so a 5xx is reported with the exception behind it. */
const serverLog: string[] = [];

/** Boots the app for fuzzing: error logs captured (see {@link serverLog}), HTTP served on a real port. */
export async function startFuzzApp(env: Record<string, string>): Promise<TestApp> {
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) serverLog.push(line);
      if (serverLog.length > 2000) serverLog.splice(0, serverLog.length - 1000);
      done();
    },
  });
  const t = await startTestApp({ LOG_LEVEL: 'error', ...env }, undefined, { logDestination });
  await t.listen();
  return t;
}

function serverErrorFor(answer: Answer): string {
  const lines = serverLog.filter((line) => answer.requestId && line.includes(answer.requestId));
  const chosen = lines.length > 0 ? lines : serverLog.slice(-2);
  return chosen
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { stack?: string } };
        return entry.err?.stack ?? entry.msg ?? line;
      } catch {
        return line;
      }
    })
    .join('\n')
    .slice(0, 1500);
}

export interface FuzzStats {
  sent: number;
  replayed: number;
  byStatus: Record<number, number>;
  seconds: number;
}

/** Tables a rejected request must not touch, plus a few counters of in-place writes (versions, revisions). */
const SNAPSHOT_SQL = `SELECT
  (SELECT count(*) FROM market_events)::text AS market_events,
  (SELECT coalesce(sum(duplicate_count), 0) FROM market_events)::text AS market_event_duplicates,
  (SELECT count(*) FROM market_returns)::text AS market_returns,
  (SELECT count(*) FROM orders)::text AS orders,
  (SELECT coalesce(sum(version), 0) FROM orders)::text AS order_versions,
  (SELECT count(*) FROM order_history)::text AS order_history,
  (SELECT count(*) FROM imshop_tickets)::text AS imshop_tickets,
  (SELECT count(*) FROM imshop_ticket_events)::text AS imshop_ticket_events,
  (SELECT count(*) FROM deliveries)::text AS deliveries,
  (SELECT count(*) FROM status_mappings)::text AS status_mappings,
  (SELECT coalesce(sum(version), 0) FROM status_mappings)::text AS status_mapping_versions,
  (SELECT count(*) FROM status_mapping_audit)::text AS status_mapping_audit,
  (SELECT coalesce(max(revision), 0) FROM status_mapping_revision)::text AS status_mapping_revision`;

type Snapshot = Record<string, string>;

/** One connection of the fuzzer's own per app, with the snapshot as a prepared statement (it runs ~10,000 times). */
const snapshotClients = new WeakMap<TestApp, pg.Client>();

async function snapshot(t: TestApp): Promise<Snapshot> {
  const started = PROFILE ? performance.now() : 0;
  let client = snapshotClients.get(t);
  if (!client) {
    client = new pg.Client({ connectionString: t.config.databaseUrl });
    client.on('error', () => undefined); // the test database is dropped with FORCE at the end
    await client.connect();
    snapshotClients.set(t, client);
  }
  const row = (await client.query({ name: 'fuzz-snapshot', text: SNAPSHOT_SQL })).rows[0] as Snapshot;
  if (PROFILE) record('(row snapshot)', started);
  return row;
}

function snapshotDiff(before: Snapshot, after: Snapshot): string | null {
  const changed = Object.keys(before).filter((key) => before[key] !== after[key]);
  return changed.length === 0 ? null : changed.map((key) => `${key} ${before[key]} → ${after[key]}`).join(', ');
}

const PROTOTYPE_BASELINE = protoShape();

function protoShape(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) => Object.getOwnPropertyNames(proto).sort().join(',')).join('|');
}

/** Throws when anything was added to a built-in prototype (or `{}` suddenly has a property). */
export function assertPrototypesClean(): void {
  const probe = {} as Record<string, unknown>;
  for (const name of ['polluted', 'isAdmin', 'toString', 'then']) {
    if (name === 'toString' ? probe.toString !== Object.prototype.toString : probe[name] !== undefined) {
      throw new Error(`Object.prototype is polluted: ({}).${name} is ${String(probe[name])}`);
    }
  }
  if (protoShape() !== PROTOTYPE_BASELINE) throw new Error('a built-in prototype gained or lost a property during the fuzz run');
}

/** Keep-alive connections: supertest otherwise opens a connection per request (twice as slow). */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** Time per generator (FUZZ_PROFILE=1), to keep the run within CI's budget. */
const PROFILE = process.env.FUZZ_PROFILE === '1';
const profile = new Map<string, { n: number; ms: number }>();

function record(kind: string, started: number): void {
  const entry = profile.get(kind) ?? { n: 0, ms: 0 };
  entry.n += 1;
  entry.ms += performance.now() - started;
  profile.set(kind, entry);
}

/** Sends one case exactly as generated (bytes untouched) and reads the answer as raw text, whatever its type. */
async function send(t: TestApp, path: string, sent: Sent): Promise<Answer> {
  const started = PROFILE ? performance.now() : 0;
  const request = t
    .http()
    .post(path)
    .agent(agent)
    .ok(() => true)
    .serialize((body: unknown) => body as string);
  for (const [name, value] of Object.entries(sent.headers)) request.set(name, value);
  if (sent.c.contentType !== null) request.set('Content-Type', sent.c.contentType);
  request.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
  });
  const res = await request.send(sent.c.body as unknown as string);
  if (PROFILE) record(sent.c.kind.replace(/ #\d+.*$/, ''), started);
  return {
    status: res.status,
    contentType: String(res.headers['content-type'] ?? ''),
    text: res.body as string,
    requestId: String(res.headers['x-request-id'] ?? ''),
  };
}

/** Reason phrases alone do not name the problem. */
const GENERIC_MESSAGES = new Set([
  'bad request',
  'bad request exception',
  'payload too large',
  'unsupported media type',
  'unauthorized',
  'internal server error',
  'error',
]);

function isNonEmptyMessage(message: unknown): boolean {
  const names = (m: unknown) => typeof m === 'string' && m.trim() !== '' && !GENERIC_MESSAGES.has(m.trim().toLowerCase());
  return names(message) || (Array.isArray(message) && message.length > 0 && message.every(names));
}

/** The problem with an answer, or null when it is one the service may give. */
function problemWith(endpoint: FuzzEndpoint, answer: Answer): string | null {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (!/^application\/json\b/i.test(answer.contentType)) return `answered with Content-Type "${answer.contentType}", not JSON`;
  let body: any;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'answered a body that is not JSON';
  }
  if (answer.status < 400) return typeof body === 'object' && body !== null ? null : 'answered 2xx with a JSON body that is not an object';
  if (endpoint.errorShape === 'market') {
    const error = body?.error;
    if (typeof error?.type !== 'string' || error.type === '') return 'Market error body has no error.type';
    if (!isNonEmptyMessage(error.message)) return 'Market error body has no error.message naming the problem';
    return null;
  }
  if (body?.statusCode !== answer.status) return `error body's statusCode is ${JSON.stringify(body?.statusCode)}, not ${answer.status}`;
  if (!isNonEmptyMessage(body.message)) return 'error body has no message naming the problem';
  return null;
}

function describeSent(sent: Sent, answer?: Answer): string {
  const bodyText = sent.c.body.toString('utf8');
  const shown = bodyText.length > 600 ? `${bodyText.slice(0, 600)}… (${sent.c.body.length} bytes)` : bodyText;
  return [
    `  generator: ${sent.c.kind}`,
    `  Content-Type: ${sent.c.contentType === null ? '(none)' : JSON.stringify(sent.c.contentType)}`,
    `  headers: ${JSON.stringify(sent.headers)}`,
    `  body (JSON-escaped): ${JSON.stringify(shown)}`,
    ...(answer ? [`  answer: ${answer.status} ${answer.contentType} ${answer.text.slice(0, 600)}`] : []),
    ...(answer && answer.status >= 500 ? [`  server log: ${serverErrorFor(answer)}`] : []),
  ].join('\n');
}

class FuzzFailure extends Error {}

/**
 * FUZZ_COLLECT=1 (for triage): violations are gathered, one example per kind, and reported together at
 * the end instead of stopping at the first.
 */
const COLLECT = process.env.FUZZ_COLLECT === '1';
const collected = new Map<string, { n: number; example: string }>();

function fail(endpoint: FuzzEndpoint, what: string, sent: Sent, answer?: Answer): void {
  const message = `${endpoint.name}: ${what}\n${describeSent(sent, answer)}`;
  if (!COLLECT) throw new FuzzFailure(message);
  const cause = answer && answer.status >= 500 ? serverErrorFor(answer).split('\n')[0].replace(/\d+/g, 'n').slice(0, 120) : '';
  const signature = `${what.replace(/\d+ → \d+/g, 'n → m')} | ${answer?.text.slice(0, 80) ?? ''} | ${cause}`;
  const entry = collected.get(signature) ?? { n: 0, example: message };
  entry.n += 1;
  collected.set(signature, entry);
}

async function sendChecked(t: TestApp, endpoint: FuzzEndpoint, sent: Sent, stats: FuzzStats): Promise<Answer> {
  let answer: Answer;
  try {
    answer = await send(t, endpoint.path, sent);
  } catch (error) {
    fail(endpoint, `the request failed without an HTTP answer (${(error as Error).message})`, sent);
    return { status: 0, contentType: '', text: '', requestId: '' };
  }
  stats.byStatus[answer.status] = (stats.byStatus[answer.status] ?? 0) + 1;
  const problem = problemWith(endpoint, answer);
  if (problem) fail(endpoint, problem, sent, answer);
  return answer;
}

const rejected = (answer: Answer) => answer.status >= 400 && answer.status < 500;

/** One by one, with the row counts checked around every rejected request: exact, for bodies that may be accepted. */
async function runSequential(t: TestApp, endpoint: FuzzEndpoint, batch: Sent[], stats: FuzzStats): Promise<void> {
  let before = await snapshot(t);
  for (const sent of batch) {
    const answer = await sendChecked(t, endpoint, sent, stats);
    if (!rejected(answer) && endpoint.settle) await endpoint.settle();
    const after = await snapshot(t);
    if (rejected(answer)) {
      const diff = snapshotDiff(before, after);
      if (diff) fail(endpoint, `rejected with ${answer.status}, yet wrote: ${diff}`, sent, answer);
    }
    before = after;
  }
}

/**
 * Several at once, with the counts checked once for the batch when all were rejected. When some were
 * accepted, the rejected ones are sent again one by one with exact checks (a rejected request changes
 * nothing, so sending it again must be rejected again and write nothing either).
 */
async function runConcurrent(t: TestApp, endpoint: FuzzEndpoint, batch: Sent[], stats: FuzzStats): Promise<void> {
  const before = await snapshot(t);
  const answers: Answer[] = new Array(batch.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batch.length) {
        const i = next++;
        answers[i] = await sendChecked(t, endpoint, batch[i], stats);
      }
    }),
  );
  if (answers.every(rejected)) {
    const diff = snapshotDiff(before, await snapshot(t));
    if (diff) {
      // Which one? Send them again one by one with exact checks (below reports the culprit).
      stats.replayed += batch.length;
      await runSequential(t, endpoint, batch, stats);
      throw new FuzzFailure(`${endpoint.name}: a batch of only rejected requests wrote: ${diff}\n${batch.map((s) => describeSent(s)).join('\n---\n')}`);
    }
    return;
  }
  if (endpoint.settle) await endpoint.settle();
  const again = batch.filter((_, i) => rejected(answers[i]));
  stats.replayed += again.length;
  await runSequential(t, endpoint, again, stats);
}

function withHeaders(endpoint: FuzzEndpoint, cases: fc.Arbitrary<FuzzCase>): fc.Arbitrary<Sent> {
  const credentials = endpoint.badHeaders?.length
    ? fc.oneof({ weight: 24, arbitrary: fc.constant(endpoint.headers) }, { weight: 1, arbitrary: fc.constantFrom(...endpoint.badHeaders) })
    : fc.constant(endpoint.headers);
  return fc.tuple(cases, credentials, endpoint.extraHeaders ?? fc.constant({})).map(([c, auth, extra]) => {
    const sent: Sent = { c, headers: { ...auth, ...extra, ...c.headers } };
    // fast-check prints counterexamples with this: short, instead of every byte of a 1 MB body.
    Object.defineProperty(sent, fc.toStringMethod, { value: () => `\n${describeSent(sent)}`, enumerable: false });
    return sent;
  });
}

/**
 * Runs FUZZ_RUNS generated requests against one endpoint, in batches: 40 % batches of malformed
 * payloads (sent concurrently), 60 % batches of mutated valid examples and random JSON (sent one by one
 * with exact row checks). Throws with the offending request on the first violation; fast-check adds its seed.
 */
export async function fuzzEndpoint(t: TestApp, endpoint: FuzzEndpoint): Promise<FuzzStats> {
  const stats: FuzzStats = { sent: 0, replayed: 0, byStatus: {}, seconds: 0 };
  const started = Date.now();
  // Bodies that may be accepted go one by one with exact row checks; malformed ones, rejected as a
  // rule, go several at once with one row check per batch (re-sent one by one if some were accepted).
  const malformed = withHeaders(endpoint, malformedCaseArb(endpoint.cases));
  const structured = withHeaders(
    endpoint,
    fc.oneof(
      { weight: 8, arbitrary: mutatedExampleArb(endpoint.cases) },
      { weight: 4, arbitrary: randomJsonArb(endpoint.cases) },
      { weight: 2, arbitrary: wrongTransportArb(endpoint.cases) },
      { weight: 1, arbitrary: validExampleArb(endpoint.cases) },
    ),
  );
  const batchArb = fc.oneof(
    { weight: 2, arbitrary: fc.array(malformed, { minLength: BATCH, maxLength: BATCH }).map((batch) => ({ concurrent: true, batch })) },
    { weight: 3, arbitrary: fc.array(structured, { minLength: BATCH, maxLength: BATCH }).map((batch) => ({ concurrent: false, batch })) },
  );
  try {
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ concurrent, batch }) => {
        const started = PROFILE ? performance.now() : 0;
        if (concurrent) await runConcurrent(t, endpoint, batch, stats);
        else await runSequential(t, endpoint, batch, stats);
        if (PROFILE) record(concurrent ? '(whole concurrent batch)' : '(whole sequential batch)', started);
        stats.sent += batch.length;
        const health = await t.http().get('/health');
        if (health.status !== 200) throw new FuzzFailure(`${endpoint.name}: /health answers ${health.status} after a batch: ${JSON.stringify(health.body)}`);
        assertPrototypesClean();
      }),
      { numRuns: Math.ceil(FUZZ_RUNS / BATCH), seed: FUZZ_SEED, path: FUZZ_PATH, endOnFailure: !SHRINK },
    );
  } finally {
    await snapshotClients
      .get(t)
      ?.end()
      .catch(() => undefined);
    snapshotClients.delete(t);
  }
  if (PROFILE) {
    const rows = [...profile]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([kind, { n, ms }]) => `  ${kind}: ${n} × ${(ms / n).toFixed(1)} ms = ${(ms / 1000).toFixed(1)} s`);
    process.stdout.write(`${rows.join('\n')}\n`);
    profile.clear();
  }
  stats.seconds = (Date.now() - started) / 1000;
  if (collected.size > 0) {
    const report = [...collected.values()].map(({ n, example }) => `${n}× ${example}`).join('\n\n');
    collected.clear();
    throw new Error(`${endpoint.name}: violations found\n\n${report}`);
  }
  const statuses = Object.entries(stats.byStatus)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  process.stdout.write(
    `fuzz ${endpoint.name}: ${stats.sent} payloads (+${stats.replayed} re-sent for exact row checks) in ${stats.seconds.toFixed(1)} s, seed ${FUZZ_SEED}; answers ${statuses}\n`,
  );
  return stats;
}
