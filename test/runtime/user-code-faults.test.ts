// Embedder code the runtime calls back (notifier, transition listeners) may throw or reject; the
// runtime must carry on as if it had not.
import { describe, expect, it, vi } from 'vitest';
import type { Alert, TransitionRecord } from '../../src/types.ts';
import { advance, captureLogs, flush, httpError, startWarden, statuses, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const authFailure = async () => {
  throw httpError(401);
};

describe('a faulty notifier', () => {
  it.each([
    ['throws synchronously', () => {
      throw new Error('smtp down');
    }],
    ['rejects', async () => {
      throw new Error('webhook 500');
    }],
    ['throws a non-Error', () => {
      throw 'nope';
    }],
  ])('that %s never breaks the runtime', async (_label, impl: (a: Alert) => unknown) => {
    const logs = captureLogs();
    const notify = vi.fn(impl);
    const w = await startWarden({
      agents: { bad: { run: authFailure }, good: { run: () => 'fine' } },
      notify,
      logger: logs.logger,
    });
    const escalated = await w.submit({ agent: 'bad' });
    await flush();
    expect(notify).toHaveBeenCalledTimes(1);
    expect(w.get(escalated.id)?.status).toBe('ESCALATED');
    expect(w.alerts()).toHaveLength(1);

    const next = await w.submit({ agent: 'good' });
    await flush();
    expect(w.get(next.id)).toMatchObject({ status: 'SUCCEEDED', output: 'fine' });
    // The operator can still act on the escalated task.
    await w.resolve(escalated.id, 'by hand');
    expect(w.get(escalated.id)?.status).toBe('SUCCEEDED');
    expect(logs.entries().some((e) => e['msg'] === 'notifier failed')).toBe(true);
  });
});

describe('a faulty transition listener', () => {
  it('a listener that throws on every record neither stops the task nor starves later listeners', async () => {
    const w = await startWarden({
      agents: {
        coder: {
          run: async (_t, ctx) => {
            if (ctx.attempt === 1) throw httpError(503);
            return 'ok';
          },
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const thrower = vi.fn((_r: TransitionRecord) => {
      throw new Error('listener bug');
    });
    const seen: TransitionRecord[] = [];
    w.on('transition', thrower);
    w.on('transition', (r) => seen.push(r));
    const { id } = await w.submit({ agent: 'coder' });
    await advance(10);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(statuses(w, id)).toEqual([
      'PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED',
    ]);
    const taskRecords = seen.filter((r) => r.kind === 'task' && r.id === id);
    expect(taskRecords.map((r) => r.to)).toEqual(statuses(w, id));
    expect(thrower).toHaveBeenCalledTimes(seen.length);
  });

  it('a listener that throws a non-Error, and one that unsubscribes, are fine too', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 'ok' } } });
    w.on('transition', () => {
      throw null;
    });
    const counted = vi.fn();
    const off = w.on('transition', counted);
    const a = await w.submit({ agent: 'coder' });
    await flush();
    const before = counted.mock.calls.length;
    expect(before).toBeGreaterThan(0);
    off();
    const b = await w.submit({ agent: 'coder' });
    await flush();
    expect(counted).toHaveBeenCalledTimes(before);
    expect(w.get(a.id)?.status).toBe('SUCCEEDED');
    expect(w.get(b.id)?.status).toBe('SUCCEEDED');
  });

  it('only "transition" can be subscribed to', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 'ok' } } });
    expect(() => w.on('nope' as 'transition', () => {})).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });
});

describe('faulty strategies and degrade functions', () => {
  it('a custom strategy that throws is skipped and the chain continues', async () => {
    // The next strategy degrades: only a chain that really went on past the broken one ends SUCCEEDED
    // with its output (a chain that stopped, or a failure escalated by default, ends ESCALATED).
    const next = vi.fn(() => ({ action: 'degrade', output: 'fallback answer' }));
    const w = await startWarden({
      agents: { coder: { run: authFailure } },
      recoveryStrategies: {
        broken: {
          name: 'broken',
          recover: (() => {
            throw new Error('bug in strategy');
          }) as (...args: never[]) => unknown,
        },
        next: { name: 'next', recover: next as (...args: never[]) => unknown },
      },
      taskTypes: { default: { recovery: ['broken', 'next', 'escalate'] } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('SUCCEEDED');
    expect(await w.result(id)).toBe('fallback answer');
    expect(next).toHaveBeenCalledTimes(1);
    expect(w.history(id).at(-1)).toMatchObject({ from: 'FAILED', to: 'SUCCEEDED' });
  });
});
