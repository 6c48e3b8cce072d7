// POST /api/agents and DELETE /api/agents/:name: an admin adds pool members and external-executor
// agents over HTTP and removes stopped ones; 400 names the field, 404 an unknown pool or agent, 409 a
// taken name, a full pool or a running agent, 403 for an operator. Nothing changes on a refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type Warden } from '../../src/index.ts';
import { createApp, type WardenApp } from '../../src/http/index.ts';
import { errorOf, silent, waitFor } from './helpers.ts';

const ADMIN = 'admin-token.0123456789';
const OPERATOR = 'operator-token.0123456789';
let warden: Warden;
let control: WardenApp;
const ran: string[] = [];

beforeAll(async () => {
  warden = createWarden({
    persist: false,
    logger: silent,
    agents: { base: {} },
    supervisor: {
      children: ['base', { name: 'tenant', pool: { agent: { run: async (_t, ctx) => void ran.push(ctx.agent), role: 'tenant' }, max: 2 } }],
    },
  });
  await warden.start();
  control = createApp(warden, {
    logger: silent,
    tokens: [
      { name: 'ada', token: ADMIN, role: 'admin' },
      { name: 'otto', token: OPERATOR, role: 'operator' },
    ],
  });
});
afterAll(async () => {
  control.close();
  await warden.stop();
});

function req(method: string, path: string, json?: unknown, token = ADMIN) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return Promise.resolve(control.app.request(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) }));
}

describe('POST /api/agents', () => {
  it("adds a pool member (201, the agent) whose tasks run the pool's spec", async () => {
    const res = await req('POST', '/api/agents', { name: 'tenant:1', pool: 'tenant', concurrency: 2 });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'tenant:1', role: 'tenant', lifecycle: 'RUNNING', concurrency: 2, external: false });
    const sub = await req('POST', '/api/tasks', { agent: 'tenant:1', input: 1 }, OPERATOR);
    const { id } = (await sub.json()) as { id: string };
    await waitFor(() => warden.get(id)?.status === 'SUCCEEDED');
    expect(ran).toEqual(['tenant:1']);
    const agents = (await (await req('GET', '/api/agents')).json()) as Array<{ name: string }>;
    expect(agents.map((a) => a.name)).toEqual(['base', 'tenant:1']);
  });

  it('adds an external-executor agent under a supervisor', async () => {
    const res = await req('POST', '/api/agents', { name: 'ext', role: 'worker', heartbeatTimeoutMs: 60_000 });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'ext', role: 'worker', external: true });
    expect(warden.supervisors()[0]?.dynamic).toContain('ext');
  });

  it('400 names the field; 404 for an unknown pool; 409 for a taken name and a full pool; 403 for an operator', async () => {
    const cases: Array<[unknown, number, string, string?]> = [
      [{ name: 'x', run: 'code' }, 400, 'invalid_input', 'run'],
      [{ name: 'x', concurrency: 'many' }, 400, 'invalid_input', 'concurrency'],
      [{ name: 'x', concurrency: 0 }, 400, 'invalid_input', 'concurrency'],
      [{ name: 'x', pool: 'tenant', role: 'r' }, 400, 'invalid_input', 'role'],
      [{ pool: 'tenant' }, 400, 'invalid_input', 'name'],
      [{ name: 'x', pool: 'nope' }, 404, 'not_found'],
      [{ name: 'base' }, 409, 'conflict'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await req('POST', '/api/agents', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const err = await errorOf(res);
      expect(err.code).toBe(code);
      if (field) expect(err.details?.['field']).toBe(field);
    }
    expect((await req('POST', '/api/agents', { name: 'tenant:2', pool: 'tenant' })).status).toBe(201);
    const full = await req('POST', '/api/agents', { name: 'tenant:3', pool: 'tenant' });
    expect(full.status).toBe(409);
    expect((await errorOf(full)).message).toBe('pool tenant is full: it has its max of 2 members');
    const forbidden = await req('POST', '/api/agents', { name: 'y' }, OPERATOR);
    expect(forbidden.status).toBe(403);
    expect(warden.agents().map((a) => a.name)).not.toContain('y');
    expect(warden.agents().map((a) => a.name)).not.toContain('x');
  });
});

describe('DELETE /api/agents/:name', () => {
  it('409 while running, 200 once stopped, then 404; 403 for an operator', async () => {
    await req('POST', '/api/agents', { name: 'gone' });
    const running = await req('DELETE', '/api/agents/gone');
    expect(running.status).toBe(409);
    expect((await errorOf(running)).code).toBe('invalid_transition');
    expect((await req('POST', '/api/agents/gone/stop', {})).status).toBe(200);
    expect((await req('DELETE', '/api/agents/gone', undefined, OPERATOR)).status).toBe(403);
    const res = await req('DELETE', '/api/agents/gone');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'gone', removed: true });
    await waitFor(() => !warden.agents().some((a) => a.name === 'gone'));
    expect((await req('DELETE', '/api/agents/gone')).status).toBe(404);
    expect((await req('GET', '/api/agents/gone')).status).toBe(404);
  });

  it('a member name with a colon works in the path', async () => {
    await req('POST', '/api/agents/tenant:2/stop', {});
    expect((await req('DELETE', `/api/agents/${encodeURIComponent('tenant:2')}`)).status).toBe(200);
  });
});
