// supervisor_SUITE: hanging_restart_loop. A child that always crashes shows RESTARTING while it
// waits out its backoff, and shutting down during the loop finishes promptly and ends the loop.
import { describe, expect, it } from 'vitest';
import { lifecycle, res, resources, since } from '../support/resources.ts';
import { advance, deferred, flatBackoff, flush, makeWarden, recordAll, T0, track, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

function loopingWarden(stop: 'resolve' | 'hang' = 'resolve') {
  const { log, r, agents } = resources(['ok', 'loop'], { loop: { failStart: true, stop } });
  const w = makeWarden({
    agents,
    supervisor: { maxRestarts: 1_000, withinMs: 1_000, backoff: flatBackoff(1_000, 2, 8_000) },
  });
  return { w, log, r, records: recordAll(w) };
}

describe('hanging_restart_loop', () => {
  it('an always-crashing child shows RESTARTING while it waits its backoff, and is retried at each deadline', async () => {
    const { w, r, records } = loopingWarden();
    await w.start();
    const loop = res(r, 'loop');
    expect(loop.starts).toBe(1);
    for (const [wait, starts] of [
      [1_000, 2],
      [2_000, 3],
      [4_000, 4],
      [8_000, 5],
      [8_000, 6],
    ] as const) {
      expect(w.agent('loop').lifecycle).toBe('RESTARTING');
      await advance(wait - 1);
      expect(w.agent('loop').lifecycle).toBe('RESTARTING');
      expect(loop.starts).toBe(starts - 1);
      await advance(1);
      expect(loop.starts).toBe(starts);
    }
    expect(w.agent('ok').lifecycle).toBe('RUNNING');
    expect(w.health().agents.find((a) => a.name === 'loop')?.lifecycle).toBe('RESTARTING');
    // Each round: STARTING → RESTARTING (its crash), and the supervisor's decision names it.
    const rounds = lifecycle(records, 'loop').filter((x) => x.to === 'RESTARTING');
    expect(rounds).toHaveLength(6);
    expect(rounds.every((x) => x.from === 'STARTING' && x.event === 'EXITED')).toBe(true);
  });

  it('warden.stop() during the backoff finishes promptly and no start happens afterwards', async () => {
    const { w, log, r } = loopingWarden();
    await w.start();
    await advance(1_500);
    expect(w.agent('loop').lifecycle).toBe('RESTARTING');
    const stopped = track(w.stop());
    await flush();
    expect(stopped.done).toBe(true);
    expect(Date.now()).toBe(T0 + 1_500);
    const mark = log.length;
    await advance(60_000);
    expect(since(log, mark, 'start')).toEqual([]);
    expect(res(r, 'loop').starts).toBe(2);
  });

  it('warden.stop() during the backoff does not call stop() on the crashed resource (nothing runs), so a hanging stop() cannot delay it', async () => {
    const { w, log } = loopingWarden('hang');
    await w.start();
    await advance(1_500);
    const mark = log.length;
    const stopped = track(w.stop());
    await flush();
    expect(since(log, mark)).toEqual(['stop:ok']);
    expect(stopped.done).toBe(true);
  });

  it('warden.stop() while a restart is in its start() settles once that start() is abandoned', async () => {
    // The second start hangs; stop() aborts its signal and shutdown does not wait for the start itself.
    const gate = deferred<void>();
    const { r, agents } = resources(['loop'], { loop: { failStart: (n) => n === 1, startGate: (n) => (n === 2 ? gate.promise : undefined) } });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(100) } });
    await w.start();
    await advance(100);
    expect(w.agent('loop').lifecycle).toBe('STARTING');
    const stopped = track(w.stop());
    await flush();
    expect(stopped.done).toBe(true);
    expect(res(r, 'loop').signal(2).aborted).toBe(true);
  });
});

describe('a child stopped while it is still STARTING', () => {
  it('has its start signal aborted and its stop() called when the supervisor stops it (escalation of a sibling)', async () => {
    // crasher starts first and runs; slow's start is pending when crasher's crash escalates (maxRestarts 0).
    const gate = deferred<void>();
    const { r, agents } = resources(['crasher', 'slow'], { slow: { startGate: () => gate.promise } });
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, backoff: flatBackoff(10) } });
    void w.start();
    await flush();
    expect(w.agent('slow').lifecycle).toBe('STARTING');
    res(r, 'crasher').crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
    expect(w.agent('slow').lifecycle).toBe('STOPPED');
    const slow = res(r, 'slow');
    expect(slow.signal().aborted).toBe(true);
    // Its start() now completes: the resource it made must be stopped, not left running unsupervised.
    gate.resolve();
    await flush();
    expect(slow.stops).toBe(1);
    expect(w.agent('slow').lifecycle).toBe('STOPPED');
  });

  it('is not left running when a one_for_all restart catches it mid-start: it is started again with the others', async () => {
    const gate = deferred<void>();
    const { r, agents } = resources(['a', 'slow'], { slow: { startGate: (n) => (n === 1 ? gate.promise : undefined) } });
    const w = makeWarden({ agents, supervisor: { strategy: 'one_for_all', backoff: flatBackoff(10) } });
    void w.start();
    await flush();
    res(r, 'a').crash();
    await flush();
    gate.resolve();
    await advance(10);
    // OTP: the restart takes every child down and up again; slow's first incarnation is stopped.
    const slow = res(r, 'slow');
    expect(slow.signal(1).aborted).toBe(true);
    expect(slow.starts).toBe(2);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING']);
  });
});

describe('a child stopped by hand while it is still STARTING', () => {
  it('stopAgent() aborts the pending start, and the resource it then returns is stopped', async () => {
    const gate = deferred<void>();
    const { r, agents } = resources(['ok', 'slow'], { slow: { failStart: (n) => n === 1, startGate: (n) => (n === 2 ? gate.promise : undefined) } });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(100) } });
    await w.start();
    await advance(100);
    expect(w.agent('slow').lifecycle).toBe('STARTING');
    w.stopAgent('slow');
    await flush();
    expect(w.agent('slow').lifecycle).toBe('STOPPED');
    const slow = res(r, 'slow');
    expect(slow.signal(2).aborted).toBe(true);
    gate.resolve();
    await flush();
    expect(slow.stops).toBe(1);
  });
});

describe('shutdown during a restart that waits on a slow stop()', () => {
  it('a restart still waiting for the previous incarnation to stop is not started after warden.stop()', async () => {
    // one_for_all: a crashes, b is stopped (stop() hangs, abandoned after 1000 ms) and waits to start again.
    const { log, r, agents } = resources(['a', 'b'], { b: { stop: 'hang', shutdownMs: 1_000 } });
    const w = makeWarden({ agents, supervisor: { strategy: 'one_for_all', backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'a').crash();
    await advance(500);
    expect(w.agent('b').lifecycle).toBe('STARTING');
    expect(res(r, 'b').starts).toBe(1);
    const stopped = track(w.stop());
    await advance(1_000);
    expect(stopped.done).toBe(true);
    const mark = log.length;
    await advance(60_000);
    // No incarnation may be left running, and nothing may start once shutdown has begun.
    expect(res(r, 'b').signals.map((s) => s.aborted)).toEqual(res(r, 'b').signals.map(() => true));
    expect(res(r, 'b').starts).toBe(1);
    expect(since(log, mark, 'start')).toEqual([]);
  });
});
