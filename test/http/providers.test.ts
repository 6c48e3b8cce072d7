// The control plane's budgets and gates: GET /api/providers, POST /api/providers/:provider/open (admin),
// `budget` on submit and retry (400 naming the field), usage in task JSON, health and /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type RunContext, type TaskInfo, type Warden } from '../../src/index.ts';
import { createApp, type WardenApp } from '../../src/http/index.ts';
import { errorOf, silent, waitFor } from './helpers.ts';

const TOKENS = [
  { name: 'otto', token: 'operator-token.0123456789', role: 'operator' as const },
  { name: 'ada', token: 'admin-token.0123456789', role: 'admin' as const },
];
const [OPERATOR, ADMIN] = TOKENS.map((t) => t.token) as [string, string];

let warden: Warden;
let control: WardenApp;
let limited = true;

function req(method: string, path: string, json?: unknown, token = ADMIN): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return Promise.resolve(control.app.request(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) }));
}

beforeAll(async () => {
  warden = createWarden({
    persist: false,
    logger: silent,
    agents: {
      limited: {
        provider: 'openai',
        run: () => {
          if (limited) throw Object.assign(new Error('slow down'), { status: 429, headers: { 'retry-after': '3600' } });
          return 'ok';
        },
      },
      spender: {
        run: (_t: TaskInfo, ctx: RunContext) => {
          ctx.reportUsage({ turns: 1, tokens: 250, costUsd: 0.25 });
          return 'ok';
        },
      },
    },
    providers: { openai: { requestsPerMinute: 600, concurrency: 8 } },
    taskTypes: { default: { maxRetries: 0, recovery: ['escalate'] }, paid: { maxRetries: 0, recovery: ['escalate'], budget: { costUsd: 1 } } },
  });
  await warden.start();
  control = createApp(warden, { logger: silent, tokens: TOKENS });
});
afterAll(async () => {
  control.close();
  await warden.stop();
});

describe('GET /api/providers and POST /api/providers/:provider/open', () => {
  it('shows a closed gate; an admin opens it; 409 when open, 404 unknown, 403 for an operator, 400 for a bad body', async () => {
    const sub = await req('POST', '/api/tasks', { agent: 'limited' }, OPERATOR);
    expect(sub.status).toBe(201);
    await waitFor(() => warden.providers().find((p) => p.provider === 'openai')?.gate === 'CLOSED');
    const list = (await (await req('GET', '/api/providers', undefined, OPERATOR)).json()) as Array<Record<string, unknown>>;
    expect(list.find((p) => p.provider === 'openai')).toMatchObject({
      gate: 'CLOSED',
      agents: ['limited'],
      limits: { requestsPerMinute: 600, concurrency: 8 },
      closedUntil: expect.any(String),
    });
    expect(list.find((p) => p.provider === 'spender')).toMatchObject({ gate: 'OPEN', agents: ['spender'] });
    const health = (await (await req('GET', '/api/health/detailed')).json()) as { status: string; providers: unknown[] };
    expect(health.status).toBe('degraded');
    expect(health.providers).toHaveLength(2);

    expect((await req('POST', '/api/providers/openai/open', {}, OPERATOR)).status).toBe(403);
    expect((await req('POST', '/api/providers/openai/open', { reason: 7 })).status).toBe(400);
    expect((await req('POST', '/api/providers/nope/open', {})).status).toBe(404);
    expect(warden.providers()[0]?.gate).toBe('CLOSED');
    limited = false;
    const opened = await req('POST', '/api/providers/openai/open', { reason: 'quota raised' });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ provider: 'openai', gate: 'OPEN' });
    const record = warden.replay(0).filter((r) => r.kind === 'provider').at(-1);
    expect(record).toMatchObject({ to: 'OPEN', event: 'OPEN', by: 'ada', reason: 'quota raised' });
    const again = await req('POST', '/api/providers/openai/open', {});
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('invalid_transition');
  });
});

describe('budgets over HTTP', () => {
  it('POST /api/tasks refuses a bad budget with 400 naming the field, and creates nothing', async () => {
    const before = warden.list().items.length;
    for (const [budget, field] of [
      [{ costUsd: 'much' }, 'budget.costUsd'],
      [{ tokens: -5 }, 'budget.tokens'],
      [{ dollars: 1 }, 'budget.dollars'],
      [[1], 'budget'],
    ] as const) {
      const res = await req('POST', '/api/tasks', { agent: 'spender', budget }, OPERATOR);
      expect(res.status, JSON.stringify(budget)).toBe(400);
      expect((await errorOf(res)).details).toEqual({ field });
    }
    expect(warden.list().items.length).toBe(before);
  });

  it('usage and budget in the task JSON; retry grants more; 400 for a bad grant; usage in health and /metrics', async () => {
    const res = await req('POST', '/api/tasks', { agent: 'spender', type: 'paid', budget: { tokens: 200 } }, OPERATOR);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await waitFor(() => warden.get(id)?.status === 'ESCALATED');
    const task = (await (await req('GET', `/api/tasks/${id}`)).json()) as Record<string, unknown>;
    expect(task).toMatchObject({
      status: 'ESCALATED',
      budget: { costUsd: 1, tokens: 200 },
      usage: { turns: 1, tokens: 250, costUsd: 0.25 },
      error: { kind: 'budget', message: 'budget spent: tokens used 250 of 200' },
    });
    const history = (await (await req('GET', `/api/tasks/${id}/history`)).json()) as Array<Record<string, unknown>>;
    expect(history.find((r) => r.from === 'IN_PROGRESS')).toMatchObject({ usage: { tokens: 250, costUsd: 0.25 } });

    expect((await req('POST', `/api/tasks/${id}/retry`, { budget: { tokens: 0 } }, OPERATOR)).status).toBe(400);
    const refused = await req('POST', `/api/tasks/${id}/retry`, {}, OPERATOR);
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).message).toMatch(/budget spent: tokens used 250 of 200/);
    const retried = await req('POST', `/api/tasks/${id}/retry`, { budget: { tokens: 500 }, reason: 'worth it' }, OPERATOR);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ budget: { costUsd: 1, tokens: 750 } });
    await waitFor(() => warden.get(id)?.status === 'SUCCEEDED');

    const health = (await (await req('GET', '/api/health/detailed')).json()) as { usage: Record<string, number> };
    expect(health.usage).toMatchObject({ turns: 2, tokens: 500, costUsd: 0.5 });
    const metrics = await (await req('GET', '/metrics')).text();
    expect(metrics).toContain('warden_usage_cost_usd_total{agent="spender",type="paid"} 0.5');
    expect(metrics).toContain('warden_usage_tokens_total{agent="spender",type="paid"} 500');
    expect(metrics).toMatch(/warden_provider_gate_closures_total\{provider="openai"\} 1/);
    expect(metrics).toMatch(/warden_provider_gate\{provider="openai"\} 0/);
  });
});
