// ≥ 2,000 random requests against the app: never a 5xx, always the error shape on a 4xx, and a 4xx
// changes no task and no breaker.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../src/index.ts';
import { harness, settle, TOKEN, waitFor, type Harness } from './helpers.ts';

let h: Harness;
const ids: string[] = ['nope', '', ' ', '..', '%', '__proto__', 'constructor', 'a/b', 'ü', 'x'.repeat(300)];
const AGENTS = ['ext', 'ok', 'bad', 'flaky', 'nobody', '__proto__', 'toString', ''];

beforeAll(async () => {
  h = await harness();
  const x = h;
  // Tasks in as many states as we can reach: IN_PROGRESS, ESCALATED, SUCCEEDED, CANCELLED, RETRY_WAIT.
  const inProgress = await x.warden.submit({ agent: 'ext' });
  const escalated = await x.warden.submit({ agent: 'bad' });
  const succeeded = await x.warden.submit({ agent: 'ok', input: 1 });
  const cancelled = await x.warden.submit({ agent: 'ext' });
  const waiting = await x.warden.submit({ agent: 'ext', type: 'slow' });
  await waitFor(() => x.warden.get(waiting.id)?.status === 'IN_PROGRESS' && x.warden.get(cancelled.id)?.status === 'IN_PROGRESS');
  await x.warden.cancel(cancelled.id);
  await x.warden.reportFailure(waiting.id, { message: 'busy', status: 503 });
  await waitFor(() => x.warden.get(escalated.id)?.status === 'ESCALATED' && x.warden.get(succeeded.id)?.status === 'SUCCEEDED');
  ids.push(inProgress.id, escalated.id, succeeded.id, cancelled.id, waiting.id);
});
afterAll(async () => {
  await h.dispose();
});

function snapshot(): string {
  const items: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = h.warden.list({ limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return JSON.stringify({ items, breakers: h.warden.breakers() });
}

/** waits until async work started by an earlier 2xx (dispatch, runs, restarts) has come to rest */
async function quiet(): Promise<string> {
  let last = snapshot();
  for (let i = 0; i < 50; i++) {
    await settle(2);
    const now = snapshot();
    if (now === last) return now;
    last = now;
  }
  return last;
}

const HUGE = JSON.stringify({ agent: 'ext', input: 'x'.repeat(1024 * 1024 + 10) });

interface FuzzRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: string;
  contentType?: string;
  token?: string;
}

function arbitraries(routes: Array<{ method: string; path: string }>): fc.Arbitrary<FuzzRequest> {
  const param = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids, ...AGENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
  const filled = fc
    .tuple(fc.constantFrom(...routes), param)
    .map(([r, p]) => ({ method: r.method, path: r.path.replace(/:\w+/g, encodeURIComponent(p)) }));
  const anyPath = fc.oneof(
    { weight: 8, arbitrary: filled },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('GET', 'POST'), fc.webPath()).map(([method, path]) => ({ method, path: path || '/' })),
    },
  );
  const method = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'GET', 'POST') });
  const queryValue = fc.oneof(
    fc.constantFrom(...TASK_STATUSES, ...AGENTS, '0', '1', '10', '1000', '1001', '-1', '1.5', 'abc', '', '1e3', '0x10', '5'),
    fc.string({ maxLength: 12 }),
  );
  const query = fc.dictionary(fc.constantFrom('status', 'agent', 'limit', 'cursor', 'lastEventId', 'other'), queryValue, { maxKeys: 3 });
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
  const huge = fc.constant(HUGE);
  const random = fc.record({
    route: anyPath,
    method,
    query,
    body: fc.oneof({ weight: 60, arbitrary: body }, { weight: 1, arbitrary: huge }),
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', undefined, 'application/xml', 'application/merge-patch+json', ''),
    token: fc.constantFrom(TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, 'wrong', undefined),
  }).map((r) => ({
    method: r.method ?? r.route.method,
    path: r.route.path,
    query: r.query,
    body: r.body,
    contentType: r.contentType,
    token: r.token,
  }));
  // Well-formed requests for real ids and agents, so the success paths run between the failures.
  const wellFormed = fc
    .tuple(fc.constantFrom(...routes), fc.constantFrom(...ids.slice(-5), 'ext', 'ok', 'bad', 'flaky'), valid)
    .map(([route, p, v]): FuzzRequest => {
      const path = route.path.replace(/:\w+/g, encodeURIComponent(p));
      const wants = (key: string) => (typeof v === 'object' && key in v ? JSON.stringify(v) : undefined);
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
      return { method: route.method, path, query: {}, body, contentType: 'application/json', token: TOKEN };
    });
  return fc.oneof({ weight: 3, arbitrary: random }, { weight: 1, arbitrary: wellFormed });
}

describe('fuzz', () => {
  it('2,000 random requests: no 5xx; on a 4xx no task or breaker changed', async () => {
    const routes = h.app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(arbitraries(routes), async (r) => {
        const headers: Record<string, string> = {};
        if (r.token) headers.authorization = `Bearer ${r.token}`;
        if (r.contentType) headers['content-type'] = r.contentType;
        const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
        const qs = new URLSearchParams(r.query).toString();
        const before = await quiet();
        const res = await h.app.request(`${r.path}${qs ? `?${qs}` : ''}`, {
          method: r.method,
          headers,
          body: withBody ? r.body : undefined,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const isStream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
        const text = isStream ? (await res.body?.cancel(), '') : await res.text();
        expect(res.status, `${r.method} ${r.path} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          if (r.method !== 'HEAD') {
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            expect(typeof parsed.error?.code).toBe('string');
            expect(typeof parsed.error?.message).toBe('string');
          }
          expect(snapshot(), `${r.method} ${r.path} → ${res.status} changed state`).toBe(before);
        }
      }),
      { numRuns: 2_000, endOnFailure: true },
    );
    // the fuzz reached more than the error paths
    const seen = [...statuses.keys()];
    expect(seen).toEqual(expect.arrayContaining([200, 201, 400, 401, 404, 409, 413, 415]));
  }, 180_000);
});
