// Agent lifecycle under the supervisor: a start() that rejects is a crash, restarted with growing
// delays until the restart intensity is spent, then escalated.
import { describe, expect, it, vi } from 'vitest';
import type { Alert, TransitionRecord } from '../../src/types.ts';
import { advance, flush, makeWarden, recordAll, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const supervisor = {
  maxRestarts: 3,
  withinMs: 60_000,
  backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: 'none' as const },
};

function lifecycle(records: TransitionRecord[], agent: string): TransitionRecord[] {
  const states = new Set(['STARTING', 'RUNNING', 'RESTARTING', 'STOPPED', 'ESCALATED']);
  return records.filter((r) => r.kind === 'agent' && r.id === agent && states.has(r.to));
}

describe('agent restarts', () => {
  it('a start() that keeps rejecting is restarted after 100, 200, 400 ms, then ESCALATED with a CRITICAL alert', async () => {
    const startCalls: number[] = [];
    const notified: Alert[] = [];
    const notify = vi.fn((a: Alert) => void notified.push(a));
    const w = makeWarden({
      agents: {
        flaky: {
          run: () => 'never runs',
          start: async () => {
            startCalls.push(Date.now());
            throw new Error('cannot connect');
          },
        },
      },
      supervisor,
      notify,
    });
    const records = recordAll(w);
    const t0 = Date.now();
    await w.start();
    const { id } = await w.submit({ agent: 'flaky' });
    await advance(10_000);

    expect(startCalls.map((t) => t - t0)).toEqual([0, 100, 300, 700]);
    // The restarts' STARTING records (the first one, from INIT, is covered by the audit-trail test below).
    const restarts = lifecycle(records, 'flaky').filter((r) => r.to === 'STARTING' && r.from !== null);
    expect(restarts.map((r) => [r.from, r.at - t0])).toEqual([
      ['RESTARTING', 100],
      ['RESTARTING', 300],
      ['RESTARTING', 700],
    ]);
    expect(lifecycle(records, 'flaky').at(-1)).toMatchObject({ to: 'ESCALATED', at: t0 + 700 });

    expect(w.agent('flaky')).toMatchObject({ lifecycle: 'ESCALATED', restarts: 3 });
    expect(w.agent('flaky').lastExit?.reason).toContain('cannot connect');
    const critical = w.alerts().filter((a) => a.level === 'CRITICAL');
    expect(critical.map((a) => a.component).sort()).toEqual(['agent:flaky', 'supervisor:root']);
    expect(notify).toHaveBeenCalled();
    expect(notified.filter((a) => a.level === 'CRITICAL').map((a) => a.component).sort()).toEqual(['agent:flaky', 'supervisor:root']);
    expect(w.supervisors()[0]).toMatchObject({ name: 'root', status: 'ESCALATED' });
    expect(w.health().status).toBe('failing');

    // Its task never started an attempt.
    expect(w.get(id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
  });

  // Guards the records agents emit while the supervisor spawns them (once lost: listeners attached too late).
  it('records the agent\'s first STARTING (from INIT) and its initial CLOSED circuit in the audit trail', async () => {
    const w = makeWarden({ agents: { a: { run: () => 1 } } });
    const records = recordAll(w);
    await w.start();
    expect(lifecycle(records, 'a').map((r) => [r.from, r.to, r.event])).toEqual([
      [null, 'STARTING', 'INIT'],
      ['STARTING', 'RUNNING', 'STARTED'],
    ]);
    expect(records.filter((r) => r.kind === 'agent' && r.to === 'CLOSED').map((r) => [r.from, r.event])).toEqual([[null, 'INIT']]);
  });

  it('a start() that rejects twice and then succeeds leaves the agent RUNNING and its queued task runs', async () => {
    let starts = 0;
    const run = vi.fn(() => 'ran');
    const w = await startWarden({
      agents: {
        flaky: {
          run,
          start: async () => {
            starts++;
            if (starts <= 2) throw new Error('not yet');
          },
        },
      },
      supervisor,
    });
    const { id } = await w.submit({ agent: 'flaky' });
    await flush();
    expect(w.agent('flaky').lifecycle).toBe('RESTARTING');
    expect(w.get(id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    await advance(300);
    expect(starts).toBe(3);
    expect(w.agent('flaky')).toMatchObject({ lifecycle: 'RUNNING', restarts: 2 });
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(w.health().status).toBe('ok');
    expect(w.alerts()).toEqual([]);
  });

  it('a restarted agent with queued tasks respects its concurrency limit', async () => {
    let starts = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const w = await startWarden({
      agents: {
        flaky: {
          concurrency: 2,
          run: async () => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 50));
            inFlight--;
            return 'ok';
          },
          start: async () => {
            starts++;
            if (starts === 1) throw new Error('first start fails');
          },
        },
      },
      supervisor,
    });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await w.submit({ agent: 'flaky' })).id);
    await advance(100); // restarted at 100 ms
    expect(w.agent('flaky').lifecycle).toBe('RUNNING');
    expect(inFlight).toBe(2);
    await advance(1_000);
    expect(maxInFlight).toBe(2);
    for (const id of ids) expect(w.get(id)?.status).toBe('SUCCEEDED');
  });

  it('a crash of a running agent fails its in-flight attempt with kind crash; the task retries once the agent is back', async () => {
    const exits: Array<(err: Error) => void> = [];
    const signals: AbortSignal[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          start: () => ({ exited: new Promise<never>((_resolve, reject) => exits.push(reject)) }),
          run: (_task, ctx) => {
            signals.push(ctx.signal);
            return ctx.attempt === 1 ? new Promise<never>(() => {}) : 'after restart';
          },
        },
      },
      supervisor,
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 10, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    exits[0]?.(new Error('segfault'));
    await flush();
    expect(signals[0]?.aborted).toBe(true);
    expect(w.history(id).find((r) => r.to === 'FAILED')?.error).toMatchObject({ kind: 'crash' });
    expect(w.agent('coder').lifecycle).toBe('RESTARTING');
    await advance(100);
    expect(w.agent('coder')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2, output: 'after restart' });
  });

  it('with two agents, one escalating takes the supervisor down: health is failing and the other agent is STOPPED', async () => {
    const stop = vi.fn();
    const w = await startWarden({
      agents: {
        healthy: { run: () => 'ok', stop },
        flaky: {
          run: () => 'never',
          start: async () => {
            throw new Error('down');
          },
        },
      },
      supervisor,
    });
    expect(w.health().status).toBe('ok');
    await advance(10_000);
    expect(w.agent('flaky').lifecycle).toBe('ESCALATED');
    expect(w.agent('healthy').lifecycle).toBe('STOPPED');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(w.health().status).toBe('failing');
  });

  it('health is degraded, not failing, while one of two agents has an open circuit', async () => {
    const w = await startWarden({
      agents: {
        a: {
          run: async () => {
            throw Object.assign(new Error('x'), { status: 500 });
          },
          breaker: { failureThreshold: 1 },
        },
        b: { run: () => 'ok' },
      },
      taskTypes: { default: { maxRetries: 0 } },
    });
    await w.submit({ agent: 'a' });
    await flush();
    expect(w.health()).toMatchObject({ status: 'degraded', ready: true });
  });
});
