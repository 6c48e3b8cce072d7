// The per-agent circuit breaker as the runtime drives it: failures open it, queued tasks wait
// without spending attempts, a half-open probe decides, and the waiting tasks then run.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import type { Alert, TaskStatus } from '../../src/types.ts';
import { advance, deferred, flush, httpError, startWarden, useWardenHarness, type Deferred } from '../support/warden.ts';

useWardenHarness();

type Mode = 'fail' | 'hold';

/** An agent whose behaviour the test switches; 'hold' calls wait on a deferred the test settles. */
function scriptedAgent() {
  const state = { mode: 'fail' as Mode, calls: 0, inFlight: 0, maxInFlight: 0, held: [] as Array<Deferred<string>> };
  const run = async (task: TaskInfo, _ctx: RunContext): Promise<string> => {
    state.calls++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      if (state.mode === 'fail') throw httpError(503);
      const d = deferred<string>();
      state.held.push(d);
      await d.promise;
      return `done ${String(task.input)}`;
    } finally {
      state.inFlight--;
    }
  };
  return { state, run };
}

const breaker = { failureThreshold: 5, windowMs: 60_000, openMs: 10_000, halfOpenProbes: 1 };

describe('circuit breaker', () => {
  it('5 failures open it (WARNING alert, OPEN in breakers()); queued tasks wait in ASSIGNED; a half-open probe closes it; the queue then runs', async () => {
    const { state, run } = scriptedAgent();
    const notified: Alert[] = [];
    const w = await startWarden({
      agents: { coder: { run, breaker, concurrency: 4 } },
      taskTypes: { default: { maxRetries: 0 } },
      notify: (a: Alert) => void notified.push(a),
    });
    expect(w.breakers()).toEqual([{ agent: 'coder', state: 'CLOSED', failures: 0 }]);

    const failing: string[] = [];
    for (let i = 0; i < 4; i++) failing.push((await w.submit({ agent: 'coder', input: `f${i}` })).id);
    await flush();
    expect(w.breakers()[0]).toMatchObject({ state: 'CLOSED', failures: 4 });
    expect(w.alerts().filter((a) => a.level === 'WARNING')).toHaveLength(0);

    const openedAt = Date.now();
    failing.push((await w.submit({ agent: 'coder', input: 'f4' })).id);
    await flush();
    expect(state.calls).toBe(5);
    expect(w.breakers()[0]).toMatchObject({
      agent: 'coder',
      state: 'OPEN',
      openedAt: new Date(openedAt).toISOString(),
      halfOpenAt: new Date(openedAt + 10_000).toISOString(),
    });
    const warnings = w.alerts().filter((a) => a.level === 'WARNING');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ component: 'agent:coder' });
    expect(w.health().status).toBe('degraded');
    expect(w.agent('coder').circuit).toBe('OPEN');
    expect(notified.filter((a) => a.level === 'CRITICAL')).toHaveLength(5); // the five escalations

    // Tasks submitted behind the open circuit: ASSIGNED, no attempt spent, run() not called.
    state.mode = 'hold';
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) queued.push((await w.submit({ agent: 'coder', input: i })).id);
    await advance(9_999);
    expect(state.calls).toBe(5);
    for (const id of queued) expect(w.get(id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    expect(w.agent('coder').queued).toBe(3);

    // After openMs: HALF_OPEN lets exactly one probe through.
    await advance(1);
    expect(w.breakers()[0]?.state).toBe('HALF_OPEN');
    expect(state.calls).toBe(6);
    expect(state.inFlight).toBe(1);
    expect(queued.map((id) => w.get(id)?.status)).toEqual<TaskStatus[]>(['IN_PROGRESS', 'ASSIGNED', 'ASSIGNED']);

    // The probe succeeds: CLOSED, and the other two run.
    state.held[0]?.resolve('x');
    await flush();
    expect(w.breakers()[0]).toEqual({ agent: 'coder', state: 'CLOSED', failures: 0 });
    expect(w.health().status).toBe('ok');
    expect(state.calls).toBe(8);
    for (const d of state.held) d.resolve('x');
    await flush();
    for (const [i, id] of queued.entries()) expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1, output: `done ${i}` });
    expect(state.maxInFlight).toBeLessThanOrEqual(4);
    expect(w.agent('coder').inFlight).toBe(0);
  });

  it('after closing, the queued tasks still respect the concurrency limit', async () => {
    const { state, run } = scriptedAgent();
    const w = await startWarden({
      agents: { coder: { run, breaker, concurrency: 2 } },
      taskTypes: { default: { maxRetries: 0 } },
    });
    for (let i = 0; i < 5; i++) await w.submit({ agent: 'coder' });
    await flush();
    expect(w.breakers()[0]?.state).toBe('OPEN');

    state.mode = 'hold';
    state.maxInFlight = 0;
    const queued: string[] = [];
    for (let i = 0; i < 6; i++) queued.push((await w.submit({ agent: 'coder', input: i })).id);
    await advance(10_000);
    expect(state.inFlight).toBe(1); // the probe
    state.held[0]?.resolve('x');
    await flush();
    expect(w.breakers()[0]?.state).toBe('CLOSED');
    expect(state.inFlight).toBe(2);
    expect(w.agent('coder').inFlight).toBe(2);
    // Drain the rest one by one; never more than 2 at once.
    for (let i = 1; i < 6; i++) {
      state.held[i]?.resolve('x');
      await flush();
      expect(state.inFlight).toBeLessThanOrEqual(2);
    }
    expect(state.maxInFlight).toBe(2);
    for (const id of queued) expect(w.get(id)?.status).toBe('SUCCEEDED');
  });

  it('a half-open probe that fails re-opens the circuit (second WARNING) and the queue keeps waiting', async () => {
    const { state, run } = scriptedAgent();
    const w = await startWarden({
      agents: { coder: { run, breaker } },
      taskTypes: { default: { maxRetries: 0 } },
    });
    for (let i = 0; i < 5; i++) await w.submit({ agent: 'coder' });
    await flush();
    expect(w.breakers()[0]?.state).toBe('OPEN');

    const probe = (await w.submit({ agent: 'coder', input: 'probe' })).id;
    const waiting = (await w.submit({ agent: 'coder', input: 'waiting' })).id;
    await advance(10_000);
    expect(w.get(probe)).toMatchObject({ status: 'ESCALATED', attempts: 1 });
    expect(w.breakers()[0]?.state).toBe('OPEN');
    expect(w.alerts().filter((a) => a.level === 'WARNING')).toHaveLength(2);
    expect(w.get(waiting)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    expect(state.calls).toBe(6);

    state.mode = 'hold';
    await advance(10_000);
    expect(w.breakers()[0]?.state).toBe('HALF_OPEN');
    expect(w.get(waiting)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    state.held[0]?.resolve('x');
    await flush();
    expect(w.breakers()[0]?.state).toBe('CLOSED');
    expect(w.get(waiting)?.status).toBe('SUCCEEDED');
  });

  it('a task whose retry waits behind the open circuit does not spend its budget there', async () => {
    const { state, run } = scriptedAgent();
    const w = await startWarden({
      agents: { coder: { run, breaker } },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 100, jitter: 'none' } } },
    });
    // 4 tasks fail once each (breaker at 4), the 5th opens it; all 5 retry on the same agent.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await w.submit({ agent: 'coder', input: i })).id);
    await flush();
    expect(w.breakers()[0]?.state).toBe('OPEN');
    for (const id of ids) expect(w.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1 });

    await advance(5_000); // backoff over, circuit still open
    for (const id of ids) expect(w.get(id)).toMatchObject({ status: 'ASSIGNED', attempts: 1 });
    expect(state.calls).toBe(5);

    state.mode = 'hold';
    await advance(5_000);
    state.held[0]?.resolve('x');
    await flush();
    for (const d of state.held) d.resolve('x');
    await flush();
    for (const id of ids) expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('resetBreaker closes an open circuit at once and the queue runs', async () => {
    const { state, run } = scriptedAgent();
    const w = await startWarden({
      agents: { coder: { run, breaker } },
      taskTypes: { default: { maxRetries: 0 } },
    });
    for (let i = 0; i < 5; i++) await w.submit({ agent: 'coder' });
    await flush();
    state.mode = 'hold';
    const { id } = await w.submit({ agent: 'coder', input: 'x' });
    await flush();
    expect(w.get(id)?.status).toBe('ASSIGNED');
    expect(w.resetBreaker('coder')).toEqual({ agent: 'coder', state: 'CLOSED', failures: 0 });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    expect(() => w.resetBreaker('nobody')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('auth and validation failures do not count toward the breaker', async () => {
    const run = async () => {
      throw httpError(401);
    };
    const w = await startWarden({ agents: { coder: { run, breaker } }, taskTypes: { default: { maxRetries: 0 } } });
    for (let i = 0; i < 8; i++) await w.submit({ agent: 'coder' });
    await flush();
    expect(w.breakers()[0]).toMatchObject({ state: 'CLOSED', failures: 0 });
  });
});
