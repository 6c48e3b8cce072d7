// The per-error-kind retry policy, end to end: an agent's failure goes through classification, the
// recovery chain and the task machine, and the history shows every step.
import { describe, expect, it, vi } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import type { Alert, TaskError } from '../../src/types.ts';
import { advance, flush, httpError, never, startWarden, statuses, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('server errors (5xx)', () => {
  it('503, 503, then success ends SUCCEEDED after 3 attempts with the full history', async () => {
    let calls = 0;
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            calls++;
            if (calls <= 2) throw httpError(503);
            return { answer: 42 };
          },
        },
      },
      taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder', input: { q: 1 } });
    const result = w.result(id);
    await advance(1_000);

    await expect(result).resolves.toEqual({ answer: 42 });
    expect(calls).toBe(3);
    expect(statuses(w, id)).toEqual([
      'PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT',
      'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT',
      'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED',
    ]);
    const failed = w.history(id).filter((r) => r.to === 'FAILED');
    expect(failed.map((r) => r.attempt)).toEqual([1, 2]);
    for (const r of failed) expect(r.error).toMatchObject({ kind: 'server', status: 503 });
    expect(w.history(id).find((r) => r.to === 'SUCCEEDED')?.error).toBeUndefined();
    const view = w.get(id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', attempts: 3, output: { answer: 42 } });
    expect(view?.error).toBeUndefined();
  });

  it('waits the backoff between attempts (100 ms, then 200 ms with factor 2, jitter none)', async () => {
    const starts: number[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            starts.push(Date.now());
            if (starts.length <= 2) throw httpError(500);
            return 'ok';
          },
        },
      },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(99);
    expect(starts).toHaveLength(1);
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    expect(w.get(id)?.nextRetryAt).toBe(new Date((starts[0] ?? 0) + 100).toISOString());
    await advance(1);
    expect(starts).toHaveLength(2);
    await advance(300);
    expect(starts.map((t) => t - (starts[0] ?? 0))).toEqual([0, 100, 300]);
    expect(w.get(id)?.status).toBe('SUCCEEDED');
  });

  it('spends the budget: maxRetries 1 means 2 attempts, then ESCALATED', async () => {
    const run = vi.fn(async () => {
      throw httpError(502);
    });
    const w = await startWarden({
      agents: { coder: { run } },
      taskTypes: { default: { backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(1_000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 2, error: { kind: 'server', status: 502 } });
  });
});

describe('auth errors (401/403)', () => {
  it('401 escalates after 1 attempt, calls notify with a CRITICAL alert, and alerts() lists it', async () => {
    const notified: Alert[] = [];
    const notify = vi.fn((alert: Alert) => {
      notified.push(alert);
    });
    const run = vi.fn(async () => {
      throw httpError(401);
    });
    const w = await startWarden({
      agents: { coder: { run } },
      taskTypes: { default: { maxRetries: 5, backoff: { initialMs: 10, jitter: 'none' } } },
      notify,
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(10_000);

    expect(run).toHaveBeenCalledTimes(1);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 1, error: { kind: 'auth', status: 401 } });
    expect(statuses(w, id)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'ESCALATED']);
    expect(notify).toHaveBeenCalledTimes(1);
    const alert = notified[0];
    expect(alert).toMatchObject({
      level: 'CRITICAL',
      component: `task:${id}`,
      details: { task: id, agent: 'coder', attempt: 1, errorKind: 'auth', status: 401 },
    });
    const listed = w.alerts();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toEqual(alert);
  });

  it('403 and 404 also escalate at once', async () => {
    const errors = [httpError(403), httpError(404)];
    const w = await startWarden({
      agents: {
        coder: {
          run: async (task: TaskInfo) => {
            throw errors[task.input as number];
          },
        },
      },
      taskTypes: { default: { maxRetries: 5 } },
    });
    const a = await w.submit({ agent: 'coder', input: 0 });
    const b = await w.submit({ agent: 'coder', input: 1 });
    await flush();
    expect(w.get(a.id)).toMatchObject({ status: 'ESCALATED', attempts: 1, error: { kind: 'auth' } });
    expect(w.get(b.id)).toMatchObject({ status: 'ESCALATED', attempts: 1, error: { kind: 'not_found' } });
  });
});

describe('validation errors (400)', () => {
  it('retries a 400 once, then escalates although budget remains', async () => {
    const run = vi.fn(async () => {
      throw httpError(400);
    });
    const w = await startWarden({
      agents: { coder: { run } },
      taskTypes: { default: { maxRetries: 5, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(10_000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 2, error: { kind: 'validation' } });
  });
});

describe('rate limits (429 with Retry-After)', () => {
  const headerShapes: Array<[string, () => unknown]> = [
    ['a plain headers object', () => ({ 'retry-after': '2' })],
    ['a WHATWG Headers instance', () => new Headers({ 'Retry-After': '2' })],
  ];

  it.each(headerShapes)('with %s the next attempt waits exactly 2 s of fake time', async (_label, headers) => {
    const starts: number[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            starts.push(Date.now());
            if (starts.length === 1) throw httpError(429, { headers: headers() });
            return 'done';
          },
        },
      },
      // A backoff far shorter than Retry-After: starting early would show.
      taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 10, factor: 2, maxMs: 100, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'RETRY_WAIT', error: { kind: 'rate_limit', status: 429, retryAfterMs: 2_000 } });

    await advance(1_999);
    expect(starts).toHaveLength(1);
    expect(w.get(id)?.status).toBe('RETRY_WAIT');

    await advance(1);
    expect(starts).toHaveLength(2);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBe(2_000);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2, output: 'done' });
  });

  it('a 429 without Retry-After falls back to the backoff', async () => {
    const starts: number[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            starts.push(Date.now());
            if (starts.length === 1) throw httpError(429);
            return 'done';
          },
        },
      },
      taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 50, jitter: 'none' } } },
    });
    await w.submit({ agent: 'coder' });
    await advance(1_000);
    expect(starts.map((t) => t - (starts[0] ?? 0))).toEqual([0, 50]);
  });
});

describe('timeouts', () => {
  it('an agent that ignores its signal and hangs fails with kind timeout; its signal is aborted; the next attempt gets double the time', async () => {
    const seen: Array<{ attempt: number; timeoutMs: number | undefined; signal: AbortSignal; at: number }> = [];
    const w = await startWarden({
      agents: {
        slow: {
          timeoutMs: 1_000,
          run: (_task: TaskInfo, ctx: RunContext) => {
            seen.push({ attempt: ctx.attempt, timeoutMs: ctx.timeoutMs, signal: ctx.signal, at: Date.now() });
            return ctx.attempt < 3 ? never() : 'finally';
          },
        },
      },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 100, factor: 1, maxMs: 100, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'slow' });
    const t0 = Date.now();

    await advance(999);
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    expect(seen[0]?.signal.aborted).toBe(false);

    await advance(1);
    expect(seen[0]?.signal.aborted).toBe(true);
    expect((seen[0]?.signal.reason as DOMException | undefined)?.name).toBe('TimeoutError');
    const firstFailure = w.history(id).find((r) => r.to === 'FAILED');
    expect(firstFailure).toMatchObject({ attempt: 1, at: t0 + 1_000, error: { kind: 'timeout' } });
    expect(w.get(id)?.status).toBe('RETRY_WAIT');

    // attempt 2 starts after the 100 ms backoff and may run 2000 ms
    await advance(100);
    expect(seen[1]).toMatchObject({ attempt: 2, timeoutMs: 2_000, at: t0 + 1_100 });
    await advance(1_999);
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    await advance(1);
    expect(seen[1]?.signal.aborted).toBe(true);
    expect(w.history(id).filter((r) => r.to === 'FAILED').map((r) => r.error?.kind)).toEqual(['timeout', 'timeout']);

    await advance(100);
    expect(seen.map((s) => s.timeoutMs)).toEqual([1_000, 2_000, 4_000]);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 3, output: 'finally' });
  });

  it('a hung attempt that settles after its timeout changes nothing', async () => {
    const late: Array<(v: string) => void> = [];
    const w = await startWarden({
      agents: {
        slow: {
          timeoutMs: 500,
          run: (_task: TaskInfo, ctx: RunContext) =>
            ctx.attempt === 1 ? new Promise<string>((resolve) => late.push(resolve)) : never(),
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 100, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'slow' });
    await advance(600); // attempt 1 timed out at 500, attempt 2 started at 600
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 2 });
    late[0]?.('stale answer');
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 2 });
    expect(w.get(id)?.output).toBeUndefined();
  });
});

describe('connection errors', () => {
  it('ECONNRESET on the error or on its cause is retried', async () => {
    let calls = 0;
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            calls++;
            if (calls === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
            if (calls === 2) throw new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
            return 'ok';
          },
        },
      },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(100);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 3 });
    expect(w.history(id).filter((r) => r.to === 'FAILED').map((r) => r.error?.kind)).toEqual(['connection', 'connection']);
  });
});

describe('non-Error throws', () => {
  const thrown: Array<[string, unknown]> = [
    ['a string', 'boom'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a plain object', { weird: true }],
  ];

  it.each(thrown)('%s is classified unknown and retried like any failure (async rejection)', async (_label, value) => {
    let calls = 0;
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            calls++;
            if (calls === 1) throw value;
            return 'recovered';
          },
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(10);
    const failed = w.history(id).find((r) => r.to === 'FAILED');
    expect(failed?.error?.kind).toBe('unknown');
    expect(typeof failed?.error?.message).toBe('string');
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2, output: 'recovered' });
  });

  it('a synchronous throw of a string is caught and follows the policy', async () => {
    let calls = 0;
    const w = await startWarden({
      agents: {
        coder: {
          run: () => {
            calls++;
            if (calls === 1) throw 'sync boom';
            return 'sync ok';
          },
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(10);
    expect(w.history(id).find((r) => r.to === 'FAILED')?.error).toEqual({ kind: 'unknown', message: 'sync boom' });
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', output: 'sync ok' });
  });

  it('plain objects carrying a status or a TaskError shape are classified by them', async () => {
    const values: unknown[] = [{ status: 503 }, { kind: 'auth', message: 'key revoked' } satisfies TaskError];
    const w = await startWarden({
      agents: {
        coder: {
          run: async (task: TaskInfo) => {
            throw values[task.input as number];
          },
        },
      },
      taskTypes: { default: { maxRetries: 0 } },
    });
    const a = await w.submit({ agent: 'coder', input: 0 });
    const b = await w.submit({ agent: 'coder', input: 1 });
    await flush();
    expect(w.get(a.id)?.error).toMatchObject({ kind: 'server', status: 503 });
    expect(w.get(b.id)?.error).toEqual({ kind: 'auth', message: 'key revoked' });
    expect(w.get(a.id)?.status).toBe('ESCALATED');
    expect(w.get(b.id)?.status).toBe('ESCALATED');
  });

  it('the embedder classifier overrides the built-in one', async () => {
    const run = vi.fn(async () => {
      throw 'quota exceeded';
    });
    const w = await startWarden({
      agents: { coder: { run } },
      taskTypes: { default: { maxRetries: 5 } },
      classifyError: (err) => (err === 'quota exceeded' ? { kind: 'auth', message: 'quota' } : undefined),
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(run).toHaveBeenCalledTimes(1);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', error: { kind: 'auth', message: 'quota' } });
  });
});

describe('injected clock and random', () => {
  it('full jitter draws from the random option, and records are stamped by the now option', async () => {
    const starts: number[] = [];
    const offset = 1_000_000;
    const now = () => Date.now() + offset;
    const w = await startWarden(
      {
        agents: {
          coder: {
            run: async () => {
              starts.push(Date.now());
              if (starts.length === 1) throw httpError(503);
              return 'ok';
            },
          },
        },
        taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 1_000, jitter: 'full' } } },
      },
      { now, random: () => 0.25 },
    );
    const { id } = await w.submit({ agent: 'coder' });
    await advance(249);
    expect(starts).toHaveLength(1);
    await advance(1);
    expect(starts).toHaveLength(2);
    const history = w.history(id);
    expect(history[0]?.at).toBe((starts[0] ?? 0) + offset);
    expect(history.find((r) => r.to === 'SUCCEEDED')?.at).toBe((starts[0] ?? 0) + offset + 250);
  });
});
