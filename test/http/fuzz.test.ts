// ≥ 10,000 random requests against the control plane running in its own process
// (test/fixtures/fuzz-server.ts): every request is answered within REQUEST_TIMEOUT_MS (a hang or a
// blocked event loop fails the run at once, without shrinking), never with a 5xx, always with the
// error shape on a 4xx, and a 4xx changes no task, breaker, agent or alert. Paths, query values and
// bodies are all fuzzed.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../src/index.ts';
import { TOKEN } from './helpers.ts';

const SERVER = fileURLToPath(new URL('../fixtures/fuzz-server.ts', import.meta.url));
const RUNS = 10_000;
const REQUEST_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 20_000;
/** the server waits out agents' restart backoff (at most 30 s) before it answers */
const DIGEST_TIMEOUT_MS = 40_000;

interface Ready {
  type: 'ready';
  url: string;
  ids: string[];
  routes: Array<{ method: string; path: string }>;
}

let child: ChildProcess;
let ready: Ready;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  child = fork(SERVER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fuzz server did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the fuzz server exited (${String(code)}): ${stderr}`)));
    child.on('message', (m: Ready) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m);
    });
  });
}, START_TIMEOUT_MS + 5_000);
afterAll(() => {
  agent.destroy();
  child?.kill('SIGKILL');
});

/** The server's state digest once it is quiet; rejects when it does not answer in time. */
function digest(): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no state digest within ${DIGEST_TIMEOUT_MS} ms`)), DIGEST_TIMEOUT_MS);
    const onMessage = (m: { type: string; value?: string; message?: string }) => {
      if (m.type === 'digest') done(undefined, m.value);
      if (m.type === 'error') done(new Error(`the server did not come to rest: ${m.message ?? ''}`));
    };
    function done(err: Error | undefined, value?: string) {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (err) reject(err);
      else resolve(value ?? '');
    }
    child.on('message', onMessage);
    child.send({ type: 'digest' });
  });
}

interface Answer {
  status: number;
  text: string;
  contentType: string;
}

/** One request with a hard deadline: a server that does not answer fails it after REQUEST_TIMEOUT_MS. */
function send(r: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  if (r.contentType) headers['content-type'] = r.contentType;
  const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
  const body = withBody ? Buffer.from(r.body ?? '') : undefined;
  if (body) headers['content-length'] = String(body.length);
  const qs = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const path = `${r.path}${qs ? `?${qs}` : ''}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${r.method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    const req = request(`${ready.url}${path}`, { method: r.method, headers, agent }, (res) => {
      const contentType = res.headers['content-type'] ?? '';
      if (contentType.startsWith('text/event-stream')) {
        clearTimeout(timer);
        res.destroy();
        resolve({ status: res.statusCode ?? 0, text: '', contentType });
        return;
      }
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text, contentType });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${r.method} ${path}: ${err.message}`));
    });
    req.end(body);
  });
}

interface FuzzRequest {
  method: string;
  path: string;
  query: Array<[string, string]>;
  body?: string;
  contentType?: string;
  token?: string;
}

const AGENTS = ['ext', 'ok', 'bad', 'flaky', 'nobody', '__proto__', 'toString', ''];
const HUGE = JSON.stringify({ agent: 'ext', input: 'x'.repeat(1024 * 1024 + 10) });

function arbitraries(routes: Ready['routes'], realIds: string[]): fc.Arbitrary<FuzzRequest> {
  const ids = ['nope', '', ' ', '..', '%', '%25', '__proto__', 'constructor', 'a/b', 'ü', 'x'.repeat(300), ...realIds];
  const param = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids, ...AGENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
  const filled = fc
    .tuple(fc.constantFrom(...routes), param)
    .map(([r, p]) => ({ method: r.method, path: r.path.replace(/:\w+/g, encodeURIComponent(p)) }));
  const anyPath = fc.oneof(
    { weight: 8, arbitrary: filled },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('GET', 'POST'), fc.webPath()).map(([method, path]) => ({ method, path: encodeURI(path || '/') })) },
    // list and alerts routes are where query values are read: aim at them often
    { weight: 3, arbitrary: fc.constantFrom({ method: 'GET', path: '/api/tasks' }, { method: 'GET', path: '/api/health/alerts' }) },
  );
  const method = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'GET', 'POST') });
  const number = fc.oneof(
    fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map(String),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
    fc.double().map(String),
    fc.integer({ min: 0, max: 2_000_000_000 }).map((n) => n.toString(36)),
    fc.integer({ min: -2_000_000_000, max: -1 }).map((n) => n.toString(36)),
  );
  const queryValue = fc.oneof(
    fc.constantFrom(...TASK_STATUSES, ...AGENTS, '0', '1', '2', '10', '1000', '1001', '-1', '-924186799', '1.5', 'abc', '', '1e3', '0x10', '5', 'zzzzzzzzzzz', 'Infinity', 'NaN'),
    number,
    fc.string({ maxLength: 12 }),
  );
  const key = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('status', 'agent', 'limit', 'cursor', 'lastEventId', 'order', 'other') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
  const query = fc.array(fc.tuple(key, queryValue), { maxLength: 4 });
  const shaped = fc.oneof(
    fc.record(
      {
        agent: fc.constantFrom(...AGENTS),
        type: fc.constantFrom('default', 'slow', 'nope', ''),
        input: fc.jsonValue({ maxDepth: 2 }),
        maxRetries: fc.oneof(fc.integer({ min: -2, max: 1002 }), fc.double()),
        idempotencyKey: fc.string({ maxLength: 8 }),
      },
      { requiredKeys: [] },
    ),
    fc.record({ output: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
    fc.record({
      error: fc.record(
        {
          message: fc.string({ maxLength: 10 }),
          kind: fc.constantFrom('rate_limit', 'server', 'auth', 'timeout', 'weird'),
          status: fc.integer({ min: 0, max: 700 }),
          retryAfter: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom('30', 'soon', 'Wed, 21 Oct 2099 07:28:00 GMT')),
        },
        { requiredKeys: [] },
      ),
    }),
  );
  const valid = fc.oneof(
    fc.record({ agent: fc.constantFrom('ext', 'ok', 'bad', 'flaky'), input: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ agent: fc.constantFrom('ext', 'ok'), idempotencyKey: fc.constantFrom('k1', 'k2') }),
    fc.record({ output: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ error: fc.record({ message: fc.constant('boom'), status: fc.constantFrom(429, 503, 401) }) }),
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 6, arbitrary: shaped.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 63, max: 66 }).map((n) => `{"agent":"ok","input":${'{"a":'.repeat(n - 1)}1${'}'.repeat(n - 1)}}`) },
    { weight: 1, arbitrary: fc.constant('{"agent":"ext","input":1}x') },
  );
  const random = fc
    .record({
      route: anyPath,
      method,
      query,
      body: fc.oneof({ weight: 200, arbitrary: body }, { weight: 1, arbitrary: fc.constant(HUGE) }),
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', undefined, 'application/xml', 'application/merge-patch+json', ''),
      token: fc.constantFrom(TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, 'wrong', undefined),
    })
    .map((r): FuzzRequest => ({ method: r.method ?? r.route.method, path: r.route.path, query: r.query, body: r.body, contentType: r.contentType, token: r.token }));
  // Well-formed requests for real ids and agents, so the success paths run between the failures.
  const wellFormed = fc
    .tuple(fc.constantFrom(...routes), fc.constantFrom(...realIds, 'ext', 'ok', 'bad', 'flaky'), valid)
    .map(([route, p, v]): FuzzRequest => {
      const path = route.path.replace(/:\w+/g, encodeURIComponent(p));
      const wants = (k: string) => (typeof v === 'object' && k in v ? JSON.stringify(v) : undefined);
      const body =
        route.method !== 'POST'
          ? undefined
          : route.path === '/api/tasks'
            ? (wants('agent') ?? '{"agent":"ext"}')
            : /resolve|success$/.test(route.path)
              ? (wants('output') ?? '{"output":1}')
              : /failure$/.test(route.path)
                ? (wants('error') ?? '{"error":{"message":"boom"}}')
                : undefined;
      return { method: route.method, path, query: [], body, contentType: 'application/json', token: TOKEN };
    });
  return fc.oneof({ weight: 3, arbitrary: random }, { weight: 1, arbitrary: wellFormed });
}

describe('fuzz (server in a child process)', () => {
  it(`${RUNS.toLocaleString('en')} random requests: each answered in time, no 5xx; on a 4xx nothing changed`, async () => {
    const statuses = new Map<number, number>();
    let before = await digest();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(arbitraries(ready.routes, ready.ids), async (r) => {
        const res = await send(r);
        const label = `${r.method} ${r.path} ${JSON.stringify(r.query)} → ${res.status} ${res.text.slice(0, 200)}`;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, label).toBeLessThan(500);
        const after = await digest();
        if (res.status >= 400) {
          if (r.method !== 'HEAD') {
            const parsed = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
            expect(typeof parsed.error?.code, label).toBe('string');
            expect(typeof parsed.error?.message, label).toBe('string');
          }
          expect(after, `${label} changed state`).toBe(before);
        }
        before = after;
      }),
      // A hang is not shrunk: one failing request is the whole report.
      { numRuns: RUNS, endOnFailure: true },
    );
    console.log(`fuzz: ${RUNS} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    // the fuzz reached more than the error paths
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 201, 400, 401, 404, 409, 413, 415]));
  }, 120_000);

  it('a cursor the server never issued is a 400 at once, and the server answers after it', async () => {
    for (const cursor of ['-924186799', '-1', 'zzzzzzzzzzz']) {
      const res = await send({ method: 'GET', path: '/api/tasks', query: [['cursor', cursor]], token: TOKEN });
      expect(res.status).toBe(400);
      expect((JSON.parse(res.text) as { error: { details?: { field?: string } } }).error.details?.field).toBe('cursor');
    }
    expect((await send({ method: 'GET', path: '/health', query: [], token: TOKEN })).status).toBe(200);
  });
});
