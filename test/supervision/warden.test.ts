// What Warden adds to OTP: exponential restart backoff (reset after stable running), tasks that wait
// through a restart, in-flight attempts failed as `crash` when their agent crashes, and the views.
import { describe, expect, it, vi } from 'vitest';
import type { RunContext } from '../../src/index.ts';
import type { TaskStatus } from '../../src/types.ts';
import { lifecycle, res, resources } from '../support/resources.ts';
import { advance, deferred, flatBackoff, flush, makeWarden, recordAll, T0, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const startingTimes = (records: ReturnType<typeof recordAll>, agent: string) =>
  lifecycle(records, agent)
    .filter((x) => x.to === 'STARTING')
    .map((x) => x.at - T0);

describe('restart backoff', () => {
  it('grows 10, 20, 40, 80 … between STARTING records, capped at maxMs', async () => {
    const { r, agents } = resources(['x'], { x: { failStart: true } });
    const w = makeWarden({ agents, supervisor: { maxRestarts: 100, withinMs: 60_000, backoff: flatBackoff(10, 2, 200) } });
    const records = recordAll(w);
    await w.start();
    await advance(2_000);
    const times = startingTimes(records, 'x');
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps.slice(0, 8)).toEqual([10, 20, 40, 80, 160, 200, 200, 200]);
    expect(res(r, 'x').startTimes.slice(0, 5).map((t) => t - T0)).toEqual([0, 10, 30, 70, 150]);
  });

  it('a child that crashes after running keeps growing its backoff while it crashes within resetBackoffAfterMs', async () => {
    const { r, agents } = resources(['x']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 100, withinMs: 1_000, backoff: flatBackoff(10), resetBackoffAfterMs: 5_000 } });
    const records = recordAll(w);
    await w.start();
    const x = res(r, 'x');
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await advance(1_000);
      const crashedAt = Date.now();
      x.crash();
      await advance(500);
      const t = startingTimes(records, 'x').at(-1) ?? 0;
      delays.push(T0 + t - crashedAt);
    }
    expect(delays).toEqual([10, 20, 40, 80]);
  });

  it('is reset to initialMs after resetBackoffAfterMs of stable running', async () => {
    const { r, agents } = resources(['x']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 100, withinMs: 1_000, backoff: flatBackoff(10), resetBackoffAfterMs: 5_000 } });
    const records = recordAll(w);
    await w.start();
    const x = res(r, 'x');
    const crashAndDelay = async (runFor: number) => {
      await advance(runFor);
      const crashedAt = Date.now();
      x.crash();
      await advance(1_000);
      return T0 + (startingTimes(records, 'x').at(-1) ?? 0) - crashedAt;
    };
    expect(await crashAndDelay(100)).toBe(10);
    expect(await crashAndDelay(100)).toBe(20);
    expect(await crashAndDelay(100)).toBe(40);
    // Up and stable for 5 s (and more) since its last restart: back to the initial delay.
    expect(await crashAndDelay(6_000)).toBe(10);
    expect(await crashAndDelay(100)).toBe(20);
  });

  it('is not reset by a crash-to-crash gap over resetBackoffAfterMs when the child ran for less than that since its restart', async () => {
    const { r, agents } = resources(['x']);
    const w = makeWarden({
      agents,
      supervisor: { maxRestarts: 100, withinMs: 1, backoff: flatBackoff(1_000, 2, 60_000), resetBackoffAfterMs: 5_000 },
    });
    const records = recordAll(w);
    await w.start();
    const x = res(r, 'x');
    const lastStarting = () => T0 + (startingTimes(records, 'x').at(-1) ?? 0);
    // crash 1 at t=100 → delay 1000 → running at 1100
    await advance(100);
    x.crash();
    await advance(1_000);
    expect(w.agent('x').lifecycle).toBe('RUNNING');
    // crash 2 at 1100 → delay 2000 → running at 3100
    x.crash();
    await advance(2_000);
    expect(w.agent('x').lifecycle).toBe('RUNNING');
    // crash 3 at 3100 → delay 4000 → running at 7100
    x.crash();
    await advance(4_000);
    expect(w.agent('x').lifecycle).toBe('RUNNING');
    // crash 4 at 8600: 5500 ms after crash 3, but only 1500 ms of running since the restart at 7100.
    await advance(1_500);
    const crashedAt = Date.now();
    x.crash();
    await advance(20_000);
    expect(lastStarting() - crashedAt).toBe(8_000);
  });
});

describe('tasks and restarts', () => {
  it('a task submitted while its agent is RESTARTING waits ASSIGNED with attempts 0 and runs once the agent is RUNNING', async () => {
    const run = vi.fn(() => 'done');
    const { r, agents } = resources(['x'], { x: { run } });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(1_000) } });
    await w.start();
    res(r, 'x').crash();
    await flush();
    expect(w.agent('x').lifecycle).toBe('RESTARTING');
    const { id } = await w.submit({ agent: 'x' });
    await advance(999);
    expect(w.get(id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    expect(w.agent('x').queued).toBe(1);
    expect(run).not.toHaveBeenCalled();
    await advance(1);
    expect(w.agent('x').lifecycle).toBe('RUNNING');
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1, output: 'done' });
    expect(run).toHaveBeenCalledTimes(1);
    expect(w.history(id).map((x) => x.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
  });

  it('tasks wait through a one_for_all restart of a sibling, and through a manual stop until startAgent', async () => {
    const run = vi.fn(() => 'ok');
    const { r, agents } = resources(['a', 'x'], { x: { run } });
    const w = makeWarden({ agents, supervisor: { strategy: 'one_for_all', backoff: flatBackoff(500) } });
    await w.start();
    res(r, 'a').crash();
    await flush();
    expect(w.agent('x').lifecycle).toBe('RESTARTING');
    const { id } = await w.submit({ agent: 'x' });
    await advance(499);
    expect(w.get(id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    await advance(1);
    expect(w.get(id)?.status).toBe('SUCCEEDED');

    w.stopAgent('x');
    await flush();
    const second = await w.submit({ agent: 'x' });
    await advance(10_000);
    expect(w.get(second.id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    w.startAgent('x');
    await flush();
    expect(w.get(second.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });

  it('a crash fails the in-flight attempts with kind crash, aborts their signals, and they retry once the agent is back', async () => {
    const signals: AbortSignal[] = [];
    const run = vi.fn((_task: unknown, ctx: RunContext) => {
      signals.push(ctx.signal);
      return ctx.attempt === 1 ? new Promise<never>(() => {}) : `attempt ${ctx.attempt}`;
    });
    const { r, agents } = resources(['x'], { x: { run } });
    const w = makeWarden({
      agents,
      supervisor: { backoff: flatBackoff(1_000) },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    await w.start();
    const one = await w.submit({ agent: 'x' });
    const two = await w.submit({ agent: 'x' });
    await flush();
    expect([w.get(one.id)?.status, w.get(two.id)?.status]).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);
    res(r, 'x').crash('segfault');
    await flush();
    expect(signals.slice(0, 2).map((s) => s.aborted)).toEqual([true, true]);
    for (const { id } of [one, two]) {
      const failed = w.history(id).find((x) => x.to === 'FAILED');
      expect(failed?.error).toMatchObject({ kind: 'crash' });
      expect(failed?.error?.message).toContain('crashed');
    }
    // The retry delay (10 ms) passes while the agent is still RESTARTING: the retries wait without an attempt.
    await advance(100);
    expect(w.agent('x').lifecycle).toBe('RESTARTING');
    expect(w.get(one.id)).toMatchObject({ status: 'ASSIGNED', attempts: 1 });
    await advance(900);
    expect(w.get(one.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2, output: 'attempt 2' });
    expect(w.get(two.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const statuses = w.history(one.id).map((x) => x.to as TaskStatus);
    expect(statuses).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
  });

  it('an in-flight attempt failed by a crash follows its policy: with no retries left the task escalates', async () => {
    const signal = deferred<AbortSignal>();
    const { r, agents } = resources(['x'], {
      x: {
        run: (_task, ctx) => {
          signal.resolve(ctx.signal);
          return new Promise<never>(() => {});
        },
      },
    });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(10) }, taskTypes: { default: { maxRetries: 0 } } });
    await w.start();
    const { id } = await w.submit({ agent: 'x' });
    await flush();
    res(r, 'x').crash();
    await flush();
    expect((await signal.promise).aborted).toBe(true);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 1, error: { kind: 'crash' } });
    await advance(10);
    expect(w.agent('x').lifecycle).toBe('RUNNING');
    expect(w.get(id)?.status).toBe('ESCALATED');
  });

  it('a sibling restarted by one_for_all fails its in-flight attempts too (it is stopped), and they follow their policy', async () => {
    const run = vi.fn((_task: unknown, ctx: RunContext) => (ctx.attempt === 1 ? new Promise<never>(() => {}) : 'ok'));
    const { r, agents } = resources(['a', 'x'], { x: { run } });
    const w = makeWarden({
      agents,
      supervisor: { strategy: 'one_for_all', backoff: flatBackoff(100) },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    await w.start();
    const { id } = await w.submit({ agent: 'x' });
    await flush();
    res(r, 'a').crash();
    await flush();
    expect(w.history(id).find((x) => x.to === 'FAILED')?.error?.kind).toBe('crash');
    await advance(100);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });
});

describe('views', () => {
  it('agents() shows each agent with lifecycle, restarts and lastExit', async () => {
    const { r, agents } = resources(['a', 'b'], { a: { run: () => 1 } });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(10) } });
    await w.start();
    expect(w.agents()).toEqual([
      expect.objectContaining({ name: 'a', lifecycle: 'RUNNING', circuit: 'CLOSED', restarts: 0, external: false }),
      expect.objectContaining({ name: 'b', lifecycle: 'RUNNING', restarts: 0, external: true }),
    ]);
    expect(w.agent('a').lastExit).toBeUndefined();
    await advance(250);
    res(r, 'a').crash('lost its socket');
    await advance(10);
    res(r, 'a').exitNormally();
    await advance(20);
    expect(w.agent('a')).toMatchObject({
      lifecycle: 'RUNNING',
      restarts: 2,
      lastExit: { at: new Date(T0 + 260).toISOString(), reason: 'normal' },
    });
    expect(w.agent('b')).toMatchObject({ restarts: 0 });
    expect(w.agent('b').lastExit).toBeUndefined();
  });

  it('agents() reports the crash reason of the last exit', async () => {
    const { r, agents } = resources(['a']);
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'a').crash('lost its socket');
    await flush();
    expect(w.agent('a').lastExit).toEqual({ at: new Date(T0).toISOString(), reason: 'Error: a lost its socket' });
  });

  it('health() is ok while running, and failing once the root supervisor is ESCALATED', async () => {
    const { r, agents } = resources(['a', 'b']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, backoff: flatBackoff(10) } });
    await w.start();
    expect(w.health()).toMatchObject({ status: 'ok', supervisors: [expect.objectContaining({ name: 'root', status: 'RUNNING' })] });
    res(r, 'a').crash();
    await flush();
    expect(w.health()).toMatchObject({ status: 'failing', supervisors: [expect.objectContaining({ name: 'root', status: 'ESCALATED' })] });
  });

  it('supervisors() shows RESTARTING for a subtree waiting on its parent, then RUNNING again', async () => {
    const { r, agents } = resources(['a', 'b']);
    const w = makeWarden({
      agents,
      supervisor: { backoff: flatBackoff(1_000), children: [{ name: 'inner', maxRestarts: 0, children: ['a'] }, 'b'] },
    });
    await w.start();
    res(r, 'a').crash();
    await flush();
    expect(w.supervisors()).toEqual([
      expect.objectContaining({
        name: 'root',
        status: 'RUNNING',
        restarts: 1,
        children: [expect.objectContaining({ name: 'inner', status: 'RESTARTING', children: ['a'] }), 'b'],
      }),
    ]);
    await advance(1_000);
    expect(w.supervisors()[0]?.children[0]).toMatchObject({ name: 'inner', status: 'RUNNING', restarts: 0 });
    expect(w.agent('a').lifecycle).toBe('RUNNING');
  });
});
