// Recovery strategies chosen per task type: reassign, fallback, degrade, escalate.
import { describe, expect, it, vi } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import type { TaskError } from '../../src/types.ts';
import { advance, flush, httpError, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const failing = () =>
  vi.fn(async (_task: TaskInfo, _ctx: RunContext): Promise<string> => {
    throw httpError(503);
  });
const succeeding = (name: string) => vi.fn(async (task: TaskInfo, _ctx: RunContext) => `${name} did ${String(task.input)}`);

describe('reassign', () => {
  it('moves a failed task to another agent of the same role, never back to the one that failed', async () => {
    const a = failing();
    const b = succeeding('b');
    const other = succeeding('other');
    const w = await startWarden({
      agents: {
        a: { run: a, role: 'coder' },
        other: { run: other, role: 'reviewer' },
        b: { run: b, role: 'coder' },
      },
      taskTypes: { moving: { maxRetries: 2, recovery: ['reassign', 'escalate'], backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await w.submit({ type: 'moving', agent: 'a', input: i })).id);
    await advance(100);

    expect(a).toHaveBeenCalledTimes(3); // once per task, never a second time
    expect(b).toHaveBeenCalledTimes(3);
    expect(other).not.toHaveBeenCalled();
    for (const [i, id] of ids.entries()) {
      expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', agent: 'b', attempts: 2, output: `b did ${i}` });
      const started = w.history(id).filter((r) => r.to === 'IN_PROGRESS');
      expect(started.map((r) => [r.attempt, r.agent])).toEqual([
        [1, 'a'],
        [2, 'b'],
      ]);
    }
    // b saw the task as its own
    expect(b.mock.calls[0]?.[0]).toMatchObject({ agent: 'b', attempt: 2 });
  });

  it('skips a peer whose circuit is open', async () => {
    const a = failing();
    const broken = failing();
    const c = succeeding('c');
    const w = await startWarden({
      agents: {
        a: { run: a, role: 'coder' },
        broken: { run: broken, role: 'coder', breaker: { failureThreshold: 1, openMs: 60_000 } },
        c: { run: c, role: 'coder' },
      },
      taskTypes: {
        default: { maxRetries: 0 },
        moving: { maxRetries: 2, recovery: ['reassign', 'escalate'], backoff: { initialMs: 10, jitter: 'none' } },
      },
    });
    await w.submit({ agent: 'broken' });
    await flush();
    expect(w.breakers().find((x) => x.agent === 'broken')?.state).toBe('OPEN');

    const { id } = await w.submit({ type: 'moving', agent: 'a' });
    await advance(100);
    expect(broken).toHaveBeenCalledTimes(1);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', agent: 'c' });
  });

  it('an agent without a role never reassigns: it escalates instead', async () => {
    const a = failing();
    const b = succeeding('b');
    const w = await startWarden({
      agents: { a: { run: a }, b: { run: b } },
      taskTypes: { default: { maxRetries: 3, recovery: ['reassign', 'escalate'] } },
    });
    const { id } = await w.submit({ agent: 'a' });
    await advance(60_000);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).not.toHaveBeenCalled();
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', agent: 'a', attempts: 1 });
    expect(w.agents().map((x) => x.role)).toEqual(['a', 'b']);
  });
});

describe('fallback', () => {
  it('runs the failed task on the configured fallback agent', async () => {
    const a = failing();
    const b = succeeding('b');
    const w = await startWarden({
      agents: { a: { run: a, fallback: 'b' }, b: { run: b } },
      taskTypes: { default: { maxRetries: 1, recovery: ['fallback', 'escalate'], backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'a', input: 'job' });
    await advance(10);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', agent: 'b', attempts: 2, output: 'b did job' });
    expect(w.history(id).filter((r) => r.to === 'IN_PROGRESS').map((r) => r.agent)).toEqual(['a', 'b']);
  });

  it('without a fallback agent the chain escalates', async () => {
    const a = failing();
    const w = await startWarden({
      agents: { a: { run: a }, b: { run: succeeding('b') } },
      taskTypes: { default: { maxRetries: 1, recovery: ['fallback', 'escalate'] } },
    });
    const { id } = await w.submit({ agent: 'a' });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', agent: 'a', attempts: 1 });
  });
});

describe('degrade', () => {
  it('a degrade function turns the failure into a success with degraded: true', async () => {
    const degrade = vi.fn((task: TaskInfo, error: TaskError) => ({ partial: true, from: task.input, because: error.kind }));
    const w = await startWarden({
      agents: {
        a: {
          run: async () => {
            throw httpError(401); // not retryable, degradation applies anyway
          },
        },
      },
      taskTypes: { default: { recovery: ['degrade'], degrade } },
    });
    const { id } = await w.submit({ agent: 'a', input: 'doc' });
    const result = w.result(id);
    await flush();
    await expect(result).resolves.toEqual({ partial: true, from: 'doc', because: 'auth' });
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', degraded: true, attempts: 1 });
    expect(w.history(id).map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'SUCCEEDED']);
    expect(degrade).toHaveBeenCalledTimes(1);
    expect(degrade.mock.calls[0]?.[0]).toMatchObject({ id, agent: 'a', input: 'doc' });
  });

  it('a throwing degrade function falls through to the rest of the chain', async () => {
    const w = await startWarden({
      agents: {
        a: {
          run: async () => {
            throw httpError(401);
          },
        },
      },
      taskTypes: {
        default: {
          recovery: ['degrade', 'escalate'],
          degrade: () => {
            throw new Error('no cache either');
          },
        },
      },
    });
    const { id } = await w.submit({ agent: 'a' });
    await flush();
    expect(w.get(id)?.status).toBe('ESCALATED');
    expect(w.get(id)?.degraded).toBeUndefined();
  });

  it('a successful run is never marked degraded', async () => {
    const w = await startWarden({
      agents: { a: { run: () => 'full' } },
      taskTypes: { default: { recovery: ['degrade'], degrade: () => 'partial' } },
    });
    const { id } = await w.submit({ agent: 'a' });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', output: 'full' });
    expect(w.get(id)?.degraded).toBeUndefined();
  });
});

describe('custom strategies', () => {
  it('a strategy registered by name plugs into the chain', async () => {
    const w = await startWarden({
      agents: {
        a: {
          run: async () => {
            throw httpError(404);
          },
        },
        b: { run: succeeding('b') },
      },
      recoveryStrategies: {
        anyone: {
          name: 'to-b',
          recover: (() => ({ action: 'retry', agent: 'b', delayMs: 5 })) as (...args: never[]) => unknown,
        },
      },
      taskTypes: { default: { maxRetries: 1, recovery: ['to-b', 'escalate'] } },
    });
    const { id } = await w.submit({ agent: 'a', input: 'x' });
    await advance(5);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', agent: 'b', output: 'b did x' });
  });
});
