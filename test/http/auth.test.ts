import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, OPEN_PATHS } from '../../src/http/index.ts';
import { errorOf, harness, silent, TOKEN, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.dispose();
});

function isOpenRoute(method: string, path: string): boolean {
  return method === 'GET' && OPEN_PATHS.includes(path);
}

/** Every method+path the app registered (middleware shows up as ALL and is skipped). */
function registered(): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  return h.app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, 'x-$1') }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

describe('bearer auth', () => {
  it('the route list covers the whole API', () => {
    const keys = h.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /ready',
        'GET /metrics',
        'GET /',
        'GET /api/events',
        'POST /api/tasks',
        'POST /api/tasks/:id/failure',
        'POST /api/health/circuit-breakers/:agent/reset',
        'POST /api/agents/:name/restart',
      ]),
    );
    expect(registered().length).toBeGreaterThanOrEqual(25);
  });

  it('every registered route but the open ones answers 401 without a token, with a wrong one, or a malformed header', async () => {
    const guarded = registered().filter((r) => !isOpenRoute(r.method, r.path));
    expect(guarded.length).toBeGreaterThanOrEqual(21);
    for (const { method, path } of guarded) {
      const variants: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer wrong-token' },
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: 'Bearer bad token!' },
      ];
      for (const headers of variants) {
        const res = await h.app.request(path, { method, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        const err = await errorOf(res);
        expect(err.code).toBe('unauthorized');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
  });

  it('the open routes answer without a token', async () => {
    const open = registered().filter((r) => isOpenRoute(r.method, r.path));
    expect(open.map((r) => r.path).sort()).toEqual([...OPEN_PATHS].sort());
    for (const { path } of open) {
      const res = await h.app.request(path);
      expect(res.status, path).toBe(200);
    }
  });

  it('a wrong method on an open path still needs the token', async () => {
    expect((await h.app.request('/health', { method: 'POST' })).status).toBe(401);
    expect((await h.req('POST', '/health')).status).toBe(404);
  });

  it('unknown routes need the token too, then answer 404 in the error shape', async () => {
    expect((await h.app.request('/api/nothing')).status).toBe(401);
    const res = await h.req('GET', '/api/nothing');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'not_found' });
  });

  it('the right token passes', async () => {
    const res = await h.app.request('/api/agents', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('without a token configured nothing is guarded', async () => {
    const open = createApp(h.warden, { logger: silent });
    expect((await open.app.request('/api/agents')).status).toBe(200);
    open.close();
  });

  it('a token bearer-auth could never match is a config error', () => {
    expect(() => createApp(h.warden, { logger: silent, token: 'has space' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
