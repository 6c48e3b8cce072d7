import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskView, TransitionRecord } from '../../src/index.ts';
import { errorOf, harness, waitFor, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.dispose();
});

async function submit(body: Record<string, unknown>): Promise<TaskView> {
  const res = await h.req('POST', '/api/tasks', { json: body });
  expect(res.status).toBe(201);
  const task = (await res.json()) as TaskView;
  // dispatch may take a turn of the event loop
  await waitFor(() => !['PENDING', 'ASSIGNED'].includes(h.warden.get(task.id)?.status ?? ''));
  return task;
}

describe('POST /api/tasks', () => {
  it('creates a task: 201 with the task', async () => {
    const res = await h.req('POST', '/api/tasks', { json: { agent: 'ext', input: { n: 1 } } });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const task = (await res.json()) as TaskView;
    expect(task).toMatchObject({ agent: 'ext', type: 'default', input: { n: 1 }, maxRetries: 0 });
    expect(['PENDING', 'ASSIGNED', 'IN_PROGRESS']).toContain(task.status);
    expect(h.warden.get(task.id)?.id).toBe(task.id);
  });

  it('a repeated idempotencyKey answers 200 with the existing task', async () => {
    const first = await submit({ agent: 'ext', idempotencyKey: 'k-1' });
    const res = await h.req('POST', '/api/tasks', { json: { agent: 'ext', idempotencyKey: 'k-1' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as TaskView).id).toBe(first.id);
    expect(h.warden.list().items).toHaveLength(1);
  });

  it.each([
    [{ input: 1 }, 'agent'],
    [{ agent: 42 }, 'agent'],
    [{ agent: 'ext', maxRetries: -1 }, 'maxRetries'],
    [{ agent: 'ext', maxRetries: 1.5 }, 'maxRetries'],
    [{ agent: 'ext', surprise: true }, 'surprise'],
    [{ agent: 'nobody' }, 'agent'],
    [{ agent: 'ext', type: 'unknown-type' }, 'type'],
    [[1, 2], 'body'],
    ['a string', 'body'],
    [null, 'body'],
  ])('400 naming the field for %j', async (body, field) => {
    const res = await h.req('POST', '/api/tasks', { raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_input');
    expect(err.details?.field).toBe(field);
    expect(err.message).toContain(field);
    expect(h.warden.list().items).toHaveLength(0);
  });

  it('an empty body is {} and fails validation on agent', async () => {
    const res = await h.req('POST', '/api/tasks');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details?.field).toBe('agent');
  });
});

describe('GET /api/tasks', () => {
  it('lists in creation order with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit({ agent: 'ok', input: i })).id);
    const first = await h.req('GET', '/api/tasks?limit=2');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { items: TaskView[]; nextCursor: string | null };
    expect(page1.items.map((t) => t.id)).toEqual(ids.slice(0, 2));
    expect(page1.items[0]?.input).toBe(0);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await (await h.req('GET', `/api/tasks?limit=10&cursor=${page1.nextCursor}`)).json()) as {
      items: TaskView[];
      nextCursor: string | null;
    };
    expect(page2.items.map((t) => t.id)).toEqual(ids.slice(2));
    expect(page2.nextCursor).toBeNull();
  });

  it('filters by status and agent', async () => {
    await submit({ agent: 'ext' });
    const escalated = await submit({ agent: 'bad' });
    await waitFor(() => h.warden.get(escalated.id)?.status === 'ESCALATED');
    const byStatus = (await (await h.req('GET', '/api/tasks?status=ESCALATED')).json()) as { items: TaskView[] };
    expect(byStatus.items.map((t) => t.id)).toEqual([escalated.id]);
    const byAgent = (await (await h.req('GET', '/api/tasks?agent=ext')).json()) as { items: TaskView[] };
    expect(byAgent.items.map((t) => t.agent)).toEqual(['ext']);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=', 'limit'],
    ['status=DONE', 'status'],
    ['status=pending', 'status'],
    ['cursor=', 'cursor'],
    ['agent=', 'agent'],
  ])('400 for ?%s naming %s', async (query, field) => {
    const res = await h.req('GET', `/api/tasks?${query}`);
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err).toMatchObject({ code: 'invalid_input', details: { field } });
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('GET /api/tasks/:id and history', () => {
  it('returns the task and its records oldest first', async () => {
    const t = await submit({ agent: 'ok', input: 'x' });
    await waitFor(() => h.warden.get(t.id)?.status === 'SUCCEEDED');
    const res = await h.req('GET', `/api/tasks/${t.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: t.id, status: 'SUCCEEDED', output: { echo: 'x' } });
    const hist = (await (await h.req('GET', `/api/tasks/${t.id}/history`)).json()) as TransitionRecord[];
    expect(hist.map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    expect(hist.map((r) => r.seq)).toEqual([...hist.map((r) => r.seq)].sort((a, b) => a - b));
  });

  it.each(['/api/tasks/nope', '/api/tasks/nope/history'])('404 for an unknown id on %s', async (path) => {
    const res = await h.req('GET', path);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
  });
});

describe('operator commands', () => {
  it('cancel: 200 with the task, then 409 once terminal', async () => {
    const t = await submit({ agent: 'ext' });
    const res = await h.req('POST', `/api/tasks/${t.id}/cancel`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: t.id, status: 'CANCELLED' });
    const again = await h.req('POST', `/api/tasks/${t.id}/cancel`);
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatchObject({ code: 'invalid_transition', details: { id: t.id, status: 'CANCELLED' } });
  });

  it('retry: 409 unless FAILED or ESCALATED, 200 after an escalation', async () => {
    const running = await submit({ agent: 'ext' });
    expect((await h.req('POST', `/api/tasks/${running.id}/retry`, { json: {} })).status).toBe(409);
    const t = await submit({ agent: 'bad' });
    await waitFor(() => h.warden.get(t.id)?.status === 'ESCALATED');
    const res = await h.req('POST', `/api/tasks/${t.id}/retry`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as TaskView).status).not.toBe('ESCALATED');
  });

  it('resolve: 409 unless ESCALATED, 200 with the output after', async () => {
    const running = await submit({ agent: 'ext' });
    expect((await h.req('POST', `/api/tasks/${running.id}/resolve`, { json: { output: 1 } })).status).toBe(409);
    const t = await submit({ agent: 'bad' });
    await waitFor(() => h.warden.get(t.id)?.status === 'ESCALATED');
    const bad = await h.req('POST', `/api/tasks/${t.id}/resolve`, { json: { output: 1, extra: 2 } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details?.field).toBe('extra');
    const res = await h.req('POST', `/api/tasks/${t.id}/resolve`, { json: { output: { fixed: true } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'SUCCEEDED', output: { fixed: true } });
  });

  it.each(['cancel', 'retry', 'resolve', 'started', 'heartbeat', 'success', 'failure'])('%s: 404 for an unknown id', async (action) => {
    const json = action === 'failure' ? { error: { message: 'x' } } : {};
    const res = await h.req('POST', `/api/tasks/nope/${action}`, { json });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
  });

  it('an action body must be an object', async () => {
    const t = await submit({ agent: 'ext' });
    const res = await h.req('POST', `/api/tasks/${t.id}/cancel`, { json: [1] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details?.field).toBe('body');
    expect(h.warden.get(t.id)?.status).toBe('IN_PROGRESS');
  });
});

describe('external executor callbacks', () => {
  it('started and heartbeat: 200 while IN_PROGRESS, 409 after', async () => {
    const t = await submit({ agent: 'ext' });
    expect((await h.req('POST', `/api/tasks/${t.id}/started`)).status).toBe(200);
    const hb = await h.req('POST', `/api/tasks/${t.id}/heartbeat`);
    expect(hb.status).toBe(200);
    expect(((await hb.json()) as TaskView).status).toBe('IN_PROGRESS');
    await h.req('POST', `/api/tasks/${t.id}/cancel`);
    expect((await h.req('POST', `/api/tasks/${t.id}/heartbeat`)).status).toBe(409);
  });

  it('success takes { output }', async () => {
    const t = await submit({ agent: 'ext' });
    const res = await h.req('POST', `/api/tasks/${t.id}/success`, { json: { output: [1, 2] } });
    expect(res.status).toBe(200);
    await waitFor(() => h.warden.get(t.id)?.status === 'SUCCEEDED');
    expect(h.warden.get(t.id)?.output).toEqual([1, 2]);
    expect((await h.req('POST', `/api/tasks/${t.id}/success`, { json: { output: 3 } })).status).toBe(409);
  });

  it('failure goes through the policy: escalates with the reported kind', async () => {
    const t = await submit({ agent: 'ext' });
    const res = await h.req('POST', `/api/tasks/${t.id}/failure`, {
      json: { error: { message: 'quota', kind: 'rate_limit', status: 429, retryAfter: 7 } },
    });
    expect(res.status).toBe(200);
    await waitFor(() => h.warden.get(t.id)?.status === 'ESCALATED');
    expect(h.warden.get(t.id)?.error).toEqual({ kind: 'rate_limit', message: 'quota', status: 429, retryAfterMs: 7000 });
  });

  it('failure without kind is classified from status and retryAfter', async () => {
    const t = await submit({ agent: 'ext', type: 'slow' });
    const res = await h.req('POST', `/api/tasks/${t.id}/failure`, { json: { error: { message: 'busy', status: 503, retryAfter: '30' } } });
    expect(res.status).toBe(200);
    await waitFor(() => h.warden.get(t.id)?.status === 'RETRY_WAIT');
    expect(h.warden.get(t.id)?.error).toMatchObject({ kind: 'server', status: 503, retryAfterMs: 30_000 });
  });

  it.each([
    [{}, 'error'],
    [{ error: {} }, 'error.message'],
    [{ error: { message: 'x', kind: 'weird' } }, 'error.kind'],
    [{ error: { message: 'x', status: 99 } }, 'error.status'],
    [{ error: { message: 'x', retryAfter: -1 } }, 'error.retryAfter'],
    [{ error: { message: 'x', retryAfter: 'soon' } }, 'error.retryAfter'],
    [{ error: { message: 'x', stack: 'y' } }, 'error.stack'],
    [{ error: 'x' }, 'error'],
  ])('failure body %j: 400 naming %s, task unchanged', async (body, field) => {
    const t = await submit({ agent: 'ext' });
    const before = h.warden.history(t.id);
    const res = await h.req('POST', `/api/tasks/${t.id}/failure`, { json: body });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details?.field).toBe(field);
    expect(h.warden.history(t.id)).toEqual(before);
    // The attempt is still the one that was running: a success for it is taken, with no failure between.
    expect((await h.req('POST', `/api/tasks/${t.id}/success`, { json: { output: 1 } })).status).toBe(200);
    expect(h.warden.history(t.id).slice(before.length).map((r) => [r.from, r.to, r.attempt])).toEqual([['IN_PROGRESS', 'SUCCEEDED', 1]]);
  });

  it('failure and success answer 409 when the task is not IN_PROGRESS', async () => {
    const t = await submit({ agent: 'ext' });
    await h.req('POST', `/api/tasks/${t.id}/cancel`);
    expect((await h.req('POST', `/api/tasks/${t.id}/failure`, { json: { error: { message: 'x' } } })).status).toBe(409);
    expect((await h.req('POST', `/api/tasks/${t.id}/success`, { json: {} })).status).toBe(409);
  });
});

describe('warden not running', () => {
  it('503 not_running once stopped; GET /ready says so', async () => {
    await h.warden.stop();
    const res = await h.req('POST', '/api/tasks', { json: { agent: 'ext' } });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('not_running');
    const ready = await h.req('GET', '/ready', { token: false });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'stopped' });
  });
});
