import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentView, Alert, BreakerView, TaskView } from '../../src/index.ts';
import { errorOf, harness, waitFor, type Harness } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

async function openFlakyCircuit(x: Harness): Promise<void> {
  const res = await x.req('POST', '/api/tasks', { json: { agent: 'flaky' } });
  expect(res.status).toBe(201);
  await waitFor(() => x.warden.breakers().find((b) => b.agent === 'flaky')?.state === 'OPEN');
}

describe('liveness and readiness', () => {
  it('GET /health is 200 { status: ok } without a token', async () => {
    h = await harness();
    const res = await h.req('GET', '/health', { token: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 while running, 503 with the state otherwise', async () => {
    h = await harness();
    const ok = await h.req('GET', '/ready', { token: false });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready' });
    await h.warden.stop();
    const stopped = await h.req('GET', '/ready', { token: false });
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toEqual({ status: 'stopped' });
  });
});

describe('GET /api/health/detailed', () => {
  it('reports status, memory, lag, disk, agents, breakers, supervisors and task counts', async () => {
    h = await harness({ dataDir: tmpdir() });
    await h.req('POST', '/api/tasks', { json: { agent: 'ext' } });
    const res = await h.req('GET', '/api/health/detailed');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown> & {
      disk: { path: string; freeBytes: number; totalBytes: number };
      tasks: { byStatus: Record<string, number>; total: number; inFlight: number };
      eventLoopLagMs: { meanMs: number; p99Ms: number };
      memory: { rss: number; heapUsed: number };
    };
    expect(body.status).toBe('ok');
    expect(body.uptimeMs).toEqual(expect.any(Number));
    expect(body.memory.rss).toBeGreaterThan(0);
    expect(body.eventLoopLagMs.p99Ms).toBeGreaterThanOrEqual(0);
    expect(body.disk.freeBytes).toBeGreaterThan(0);
    expect(body.disk.totalBytes).toBeGreaterThanOrEqual(body.disk.freeBytes);
    expect((body.agents as AgentView[]).map((a) => a.name)).toEqual(['ext', 'ok', 'bad', 'flaky']);
    expect((body.breakers as BreakerView[]).every((b) => b.state === 'CLOSED')).toBe(true);
    expect(body.supervisors).toEqual(expect.any(Array));
    expect(body.tasks.total).toBe(1);
    expect(Object.keys(body.tasks.byStatus)).toContain('IN_PROGRESS');
  });

  it('disk is null without a dataDir or when statfs fails', async () => {
    h = await harness();
    expect(((await (await h.req('GET', '/api/health/detailed')).json()) as { disk: unknown }).disk).toBeNull();
    await h.dispose();
    h = await harness({ dataDir: join(tmpdir(), 'warden-no-such-dir-' + process.pid) });
    expect(((await (await h.req('GET', '/api/health/detailed')).json()) as { disk: unknown }).disk).toBeNull();
  });

  it('is degraded while a circuit is OPEN', async () => {
    h = await harness();
    await openFlakyCircuit(h);
    const body = (await (await h.req('GET', '/api/health/detailed')).json()) as { status: string };
    expect(body.status).toBe('degraded');
  });
});

describe('circuit breakers', () => {
  it('lists breakers, resets one (200 with the breaker), 404 for an unknown agent', async () => {
    h = await harness();
    await openFlakyCircuit(h);
    const list = (await (await h.req('GET', '/api/health/circuit-breakers')).json()) as BreakerView[];
    expect(list.find((b) => b.agent === 'flaky')).toMatchObject({ state: 'OPEN', failures: expect.any(Number), openedAt: expect.any(String) });
    const reset = await h.req('POST', '/api/health/circuit-breakers/flaky/reset');
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ agent: 'flaky', state: 'CLOSED' });
    const unknown = await h.req('POST', '/api/health/circuit-breakers/nobody/reset');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
  });

  it('a reset with a non-object body is 400 and changes nothing', async () => {
    h = await harness();
    await openFlakyCircuit(h);
    const res = await h.req('POST', '/api/health/circuit-breakers/flaky/reset', { json: 'now' });
    expect(res.status).toBe(400);
    expect(h.warden.breakers().find((b) => b.agent === 'flaky')?.state).toBe('OPEN');
  });
});

describe('GET /api/health/alerts', () => {
  it('lists alerts newest first, honours limit, validates it', async () => {
    h = await harness();
    await openFlakyCircuit(h);
    const t = (await (await h.req('POST', '/api/tasks', { json: { agent: 'bad' } })).json()) as TaskView;
    await waitFor(() => h?.warden.get(t.id)?.status === 'ESCALATED');
    const all = (await (await h.req('GET', '/api/health/alerts')).json()) as Alert[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all[0]?.level).toBe('CRITICAL');
    expect(all.map((a) => a.at)).toEqual([...all.map((a) => a.at)].sort().reverse());
    const one = (await (await h.req('GET', '/api/health/alerts?limit=1')).json()) as Alert[];
    expect(one).toHaveLength(1);
    const bad = await h.req('GET', '/api/health/alerts?limit=-3');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details?.field).toBe('limit');
  });
});

describe('agents', () => {
  it('lists agents and reads one; 404 for an unknown name', async () => {
    h = await harness();
    const list = (await (await h.req('GET', '/api/agents')).json()) as AgentView[];
    expect(list.map((a) => a.name)).toEqual(['ext', 'ok', 'bad', 'flaky']);
    const one = await h.req('GET', '/api/agents/ext');
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ name: 'ext', external: true, lifecycle: 'RUNNING' });
    const missing = await h.req('GET', '/api/agents/nobody');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
  });

  it('stop, start and restart: 200 with the agent, 409 when the lifecycle does not allow it', async () => {
    h = await harness();
    const x = h;
    const running = await x.req('POST', '/api/agents/ok/start');
    expect(running.status).toBe(409);
    expect((await errorOf(running)).code).toBe('invalid_transition');
    const stop = await x.req('POST', '/api/agents/ok/stop');
    expect(stop.status).toBe(200);
    expect(((await stop.json()) as AgentView).lifecycle).toBe('STOPPED');
    const start = await x.req('POST', '/api/agents/ok/start', { json: {} });
    expect(start.status).toBe(200);
    await waitFor(() => x.warden.agent('ok').lifecycle === 'RUNNING');
    const restart = await x.req('POST', '/api/agents/ok/restart');
    expect(restart.status).toBe(200);
    expect(['RESTARTING', 'STARTING', 'RUNNING']).toContain(((await restart.json()) as AgentView).lifecycle);
    await waitFor(() => x.warden.agent('ok').lifecycle === 'RUNNING');
  });

  it.each(['restart', 'stop', 'start'])('%s: 404 for an unknown agent', async (action) => {
    h = await harness();
    const res = await h.req('POST', `/api/agents/nobody/${action}`);
    expect(res.status).toBe(404);
  });
});
