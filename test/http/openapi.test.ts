// GET /openapi.json: valid OpenAPI 3.1 (checked by a real validator), every registered route in it,
// every documented route answering, and its request schemas the ones the routes validate with.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listQuery } from '../../src/http/validate.ts';
import { harness, TOKEN, type Harness } from './helpers.ts';

let h: Harness;
let doc: { openapi: string; paths: Record<string, Record<string, { security?: unknown; parameters?: Array<{ name: string; schema: unknown }> }>>; components: Record<string, unknown> };
beforeAll(async () => {
  h = await harness();
  const res = await h.app.request('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  doc = (await res.json()) as typeof doc;
});
afterAll(async () => {
  await h.dispose();
});

const toOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('GET /openapi.json', () => {
  it('is open to all and validates as OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route the app registers', () => {
    const registered = h.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${toOpenApi(r.path)}`);
    expect(registered.length).toBeGreaterThan(20);
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect(registered.filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((d) => !registered.includes(d))).toEqual([]);
  });

  it('every documented route answers (neither 404 nor 405 for its path and method)', async () => {
    const sample = { id: 'no-such-task', name: 'ok', agent: 'ok', provider: 'ok' };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const concrete = path.replace(/\{(\w+)\}/g, (_m, k: string) => sample[k as keyof typeof sample]);
        const expectsUnknownId = concrete.includes('no-such-task');
        const init: RequestInit = { method: method.toUpperCase(), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } };
        if (method === 'post') init.body = concrete === '/api/tasks' ? JSON.stringify({ agent: 'ok' }) : '{}';
        if (concrete === '/api/events') init.signal = AbortSignal.timeout(500);
        const res = await h.app.request(concrete, init);
        expect(res.status, `${method} ${concrete}`).not.toBe(405);
        if (expectsUnknownId) {
          // a 404 here must be the route's own answer about the id, not an unknown route
          if (res.status === 404) expect(((await res.json()) as { error: { message: string } }).error.message).toContain('no-such-task');
        } else expect(res.status, `${method} ${concrete}`).not.toBe(404);
        if (!res.bodyUsed) await res.body?.cancel();
      }
    }
  });

  it('takes its query schemas from the zod schemas the routes validate with', () => {
    const params = doc.paths['/api/tasks']?.get?.parameters ?? [];
    expect(params.map((p) => p.name).sort()).toEqual(Object.keys(listQuery.shape).sort());
    expect(params.find((p) => p.name === 'order')?.schema).toMatchObject({ enum: ['asc', 'desc'] });
  });

  it('says which routes need the bearer token, and none when no token is set', async () => {
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    expect(doc.paths['/api/tasks']?.get?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/health']?.get?.security).toBeUndefined();
    const open = await harness({ token: undefined });
    try {
      const openDoc = (await (await open.app.request('/openapi.json')).json()) as typeof doc;
      expect(openDoc.components.securitySchemes).toBeUndefined();
      expect(openDoc.paths['/api/tasks']?.get?.security).toBeUndefined();
    } finally {
      await open.dispose();
    }
  });
});
