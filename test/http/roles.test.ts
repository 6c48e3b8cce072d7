// Named tokens with roles: who may read, who may act on tasks, who may run agents; 403 forbidden otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/index.ts';
import { requiredRole } from '../../src/http/roles.ts';
import { errorOf, harness, silent, waitFor, type Harness } from './helpers.ts';

const TOKENS = [
  { name: 'vera', token: 'viewer-token.0123456789', role: 'viewer' as const },
  { name: 'otto', token: 'operator-token.0123456789', role: 'operator' as const },
  { name: 'ada', token: 'admin-token.0123456789', role: 'admin' as const },
];
const [VIEWER, OPERATOR, ADMIN] = TOKENS.map((t) => t.token) as [string, string, string];

let h: Harness;
beforeAll(async () => {
  h = await harness({ token: undefined, tokens: TOKENS });
});
afterAll(async () => {
  await h.dispose();
});

async function escalated(): Promise<string> {
  const res = await h.req('POST', '/api/tasks', { json: { agent: 'bad' }, token: OPERATOR });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await waitFor(() => h.warden.get(id)?.status === 'ESCALATED');
  return id;
}

describe('roles', () => {
  it('GET /api/whoami names the token and its role', async () => {
    for (const t of TOKENS) {
      const res = await h.req('GET', '/api/whoami', { token: t.token });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ name: t.name, role: t.role });
    }
    expect((await h.req('GET', '/api/whoami', { token: false })).status).toBe(401);
    expect((await h.req('GET', '/api/whoami', { token: 'not-a-known-token' })).status).toBe(401);
  });

  it('a viewer reads everything and the event stream, but every action is 403 forbidden', async () => {
    for (const path of ['/api/tasks', '/api/agents', '/api/health/detailed', '/api/health/circuit-breakers', '/api/health/alerts']) {
      expect((await h.req('GET', path, { token: VIEWER })).status, path).toBe(200);
    }
    const events = await h.req('HEAD', '/api/events', { token: VIEWER });
    expect(events.status).toBe(200);
    const id = await escalated();
    const before = h.warden.get(id);
    for (const [method, path] of [
      ['POST', '/api/tasks'],
      ['POST', `/api/tasks/${id}/retry`],
      ['POST', `/api/tasks/${id}/cancel`],
      ['POST', `/api/tasks/${id}/resolve`],
      ['POST', '/api/health/circuit-breakers/flaky/reset'],
      ['POST', '/api/agents/ok/stop'],
    ] as const) {
      const res = await h.req(method, path, { json: { agent: 'ok' }, token: VIEWER });
      expect(res.status, `${method} ${path}`).toBe(403);
      const err = await errorOf(res);
      expect(err.code).toBe('forbidden');
      expect(err.message).toContain('vera (viewer)');
    }
    expect(h.warden.get(id)).toEqual(before);
    expect(h.warden.agent('ok').lifecycle).toBe('RUNNING');
  });

  it('an operator acts on tasks and resets breakers, but may not stop, start or restart an agent', async () => {
    const id = await escalated();
    const res = await h.req('POST', `/api/tasks/${id}/cancel`, { json: { reason: 'duplicate of another ticket' }, token: OPERATOR });
    expect(res.status).toBe(200);
    expect((await h.req('POST', '/api/health/circuit-breakers/flaky/reset', { token: OPERATOR })).status).toBe(200);
    for (const action of ['stop', 'start', 'restart']) {
      const r = await h.req('POST', `/api/agents/ok/${action}`, { token: OPERATOR });
      expect(r.status, action).toBe(403);
      expect((await errorOf(r)).details).toEqual({ role: 'operator', needs: 'admin' });
    }
    expect(h.warden.agent('ok').lifecycle).toBe('RUNNING');
  });

  it('over HTTP, `by` is the token’s name and `reason` the body’s, in history (ISO times), alerts and the event stream', async () => {
    const id = await escalated();
    const seen: unknown[] = [];
    const off = h.warden.on('transition', (r) => seen.push(r));
    const res = await h.req('POST', `/api/tasks/${id}/resolve`, { json: { output: 42, reason: 'checked by hand' }, token: OPERATOR });
    off();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'SUCCEEDED', output: 42, lastError: { kind: 'auth' } });
    const history = (await (await h.req('GET', `/api/tasks/${id}/history`, { token: VIEWER })).json()) as Array<Record<string, unknown>>;
    for (const r of history) expect(r.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(history.at(-1)).toMatchObject({ to: 'SUCCEEDED', event: 'RESOLVE', by: 'otto', reason: 'checked by hand' });
    expect(seen).toEqual([expect.objectContaining({ to: 'SUCCEEDED', by: 'otto', reason: 'checked by hand' })]);
    const alerts = (await (await h.req('GET', '/api/health/alerts', { token: VIEWER })).json()) as Array<{ message: string; details: Record<string, unknown> }>;
    expect(alerts[0]).toMatchObject({ level: 'WARNING', component: `task:${id}`, details: { by: 'otto', reason: 'checked by hand', event: 'RESOLVE' } });
    expect(alerts[0]?.message).toContain('otto');
  });

  it('a reason that is not a string of at most 1000 characters is a 400 naming reason', async () => {
    const id = await escalated();
    for (const reason of [5, 'x'.repeat(1001)]) {
      const res = await h.req('POST', `/api/tasks/${id}/cancel`, { json: { reason }, token: OPERATOR });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).details).toEqual({ field: 'reason' });
    }
    expect(h.warden.get(id)?.status).toBe('ESCALATED');
  });

  it('an admin may do everything, and its name is the record’s `by`', async () => {
    const res = await h.req('POST', '/api/agents/ok/stop', { json: { reason: 'maintenance window' }, token: ADMIN });
    expect(res.status).toBe(200);
    const start = await h.req('POST', '/api/agents/ok/start', { token: ADMIN });
    expect(start.status).toBe(200);
    await waitFor(() => h.warden.agent('ok').lifecycle === 'RUNNING');
  });

  it('a single plain token is an admin named admin', async () => {
    const single = createApp(h.warden, { logger: silent, token: 'only-token.0123456789' });
    const res = await single.app.request('/api/whoami', { headers: { authorization: 'Bearer only-token.0123456789' } });
    expect(await res.json()).toEqual({ name: 'admin', role: 'admin' });
    single.close();
  });

  it('bad token lists are config errors naming the field', () => {
    const bad: Array<[unknown, string]> = [
      [[{ name: 'a', token: 'x'.repeat(20), role: 'root' }], 'tokens[0].role'],
      [[{ name: '', token: 'x'.repeat(20), role: 'viewer' }], 'tokens[0].name'],
      [[{ name: 'a', token: 'has space', role: 'viewer' }], 'tokens[0].token'],
      [[{ name: 'a', token: 'aaaa', role: 'viewer' }, { name: 'a', token: 'bbbb', role: 'admin' }], 'tokens[1].name'],
      [[{ name: 'a', token: 'aaaa', role: 'viewer' }, { name: 'b', token: 'aaaa', role: 'admin' }], 'tokens[1].token'],
    ];
    for (const [tokens, field] of bad) {
      expect(() => createApp(h.warden, { logger: silent, tokens: tokens as never }), field).toThrow(
        expect.objectContaining({ code: 'invalid_config', details: { field } }),
      );
    }
  });

  it('every registered route needs a role: reads a viewer, task and breaker actions an operator, the rest an admin', () => {
    const table = h.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path} ${requiredRole(r.method, r.path.replace(/:(\w+)/g, 'x'))}`);
    expect(table).toEqual(
      expect.arrayContaining([
        'GET /api/tasks viewer',
        'GET /api/events viewer',
        'POST /api/tasks operator',
        'POST /api/tasks/:id/cancel operator',
        'POST /api/tasks/:id/retry operator',
        'POST /api/tasks/:id/resolve operator',
        'POST /api/tasks/:id/failure operator',
        'POST /api/health/circuit-breakers/:agent/reset operator',
        'POST /api/agents/:name/restart admin',
        'POST /api/agents/:name/stop admin',
        'POST /api/agents/:name/start admin',
      ]),
    );
    expect(requiredRole('POST', '/api/providers/openai/open')).toBe('admin');
    expect(requiredRole('DELETE', '/api/agents/x')).toBe('admin');
    expect(requiredRole('POST', '/api/agents')).toBe('admin');
  });
});
