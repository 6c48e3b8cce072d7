// supervisor_SUITE: one_for_one, one_for_all, rest_for_one. Who is restarted when a child crashes,
// and in what order: the survivors taken down are stopped in reverse start order, then the affected
// children start again in start order.
import { describe, expect, it } from 'vitest';
import type { SupervisorConfig } from '../../src/index.ts';
import { lifecycle, res, resources, restartDecisions, since, type ResourceOptions } from '../support/resources.ts';
import { advance, deferred, flatBackoff, flush, makeWarden, recordAll, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const NAMES = ['a', 'b', 'c', 'd'] as const;

async function setup(strategy: NonNullable<SupervisorConfig['strategy']>, opts: Record<string, ResourceOptions> = {}) {
  const { log, r, agents } = resources(NAMES, opts);
  const w = makeWarden({ agents, supervisor: { strategy, maxRestarts: 5, withinMs: 10_000, backoff: flatBackoff(10) } });
  const records = recordAll(w);
  await w.start();
  await advance(100);
  return { w, log, r, records };
}

describe('one_for_one', () => {
  it('restarts only the crashed child', async () => {
    const { w, log, r, records } = await setup('one_for_one');
    const mark = log.length;
    res(r, 'b').crash();
    await advance(10);
    expect(since(log, mark)).toEqual(['start:b']);
    for (const n of ['a', 'c', 'd']) expect(res(r, n)).toMatchObject({ starts: 1, stops: 0 });
    expect(restartDecisions(records).map((x) => x.agent)).toEqual(['b']);
    expect(w.agents().map((x) => [x.name, x.lifecycle, x.restarts])).toEqual([
      ['a', 'RUNNING', 0],
      ['b', 'RUNNING', 1],
      ['c', 'RUNNING', 0],
      ['d', 'RUNNING', 0],
    ]);
    // The survivors' signals stay live.
    expect(res(r, 'a').signal().aborted).toBe(false);
    expect(res(r, 'b').signal(1).aborted).toBe(true);
  });
});

describe('one_for_all', () => {
  it('restarts every child: the survivors are stopped and every child restarts after the backoff', async () => {
    const { w, log, r, records } = await setup('one_for_all');
    const mark = log.length;
    res(r, 'b').crash();
    await flush();
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RESTARTING', 'RESTARTING', 'RESTARTING', 'RESTARTING']);
    // The crashed child's resource is gone: no stop() for it; every survivor's signal is aborted.
    expect(res(r, 'b').stops).toBe(0);
    for (const n of NAMES) expect(res(r, n).signal(1).aborted).toBe(true);
    await advance(9);
    expect(since(log, mark, 'start')).toEqual([]);
    await advance(1);
    expect(since(log, mark, 'start')).toEqual(['start:a', 'start:b', 'start:c', 'start:d']);
    expect(w.agents().map((x) => [x.lifecycle, x.restarts])).toEqual([
      ['RUNNING', 1],
      ['RUNNING', 1],
      ['RUNNING', 1],
      ['RUNNING', 1],
    ]);
    // One crash, one restart decision: the sibling restarts are part of it.
    expect(restartDecisions(records).map((x) => x.agent)).toEqual(['b']);
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 1 });
    // A survivor goes RUNNING → RESTARTING on the supervisor's HALT, not on an exit of its own, and
    // comes back on the supervisor's RESTART_NOW (the supervisor owns the restart's timer).
    expect(lifecycle(records, 'a').slice(-3).map((x) => [x.from, x.to, x.event])).toEqual([
      ['RUNNING', 'RESTARTING', 'HALT'],
      ['RESTARTING', 'STARTING', 'RESTART_NOW'],
      ['STARTING', 'RUNNING', 'STARTED'],
    ]);
  });

  it('stops the survivors in reverse start order', async () => {
    const { log, r } = await setup('one_for_all');
    const mark = log.length;
    res(r, 'b').crash();
    await advance(10);
    expect(since(log, mark, 'stop')).toEqual(['stop:d', 'stop:c', 'stop:a']);
  });

  it('stops all survivors before it starts any child, then starts them in order', async () => {
    const { log, r } = await setup('one_for_all');
    const mark = log.length;
    res(r, 'a').crash();
    await advance(10);
    const after = since(log, mark);
    expect(after.filter((e) => e.startsWith('stop:'))).toHaveLength(3);
    expect(after.slice(0, 3).every((e) => e.startsWith('stop:'))).toBe(true);
    expect(after.slice(3)).toEqual(['start:a', 'start:b', 'start:c', 'start:d']);
  });

  it('starts each restarted child only once the one before it has started (OTP start_children is sequential)', async () => {
    // c's second start takes 50 ms; d must not be started before c's start has settled.
    const gate = deferred<void>();
    const { log, r } = await setup('one_for_all', { c: { startGate: (n) => (n === 2 ? gate.promise : undefined) } });
    const mark = log.length;
    res(r, 'a').crash();
    await advance(10);
    expect(since(log, mark, 'start')).toEqual(['start:a', 'start:b', 'start:c']);
    gate.resolve();
    await flush();
    expect(since(log, mark, 'start')).toEqual(['start:a', 'start:b', 'start:c', 'start:d']);
  });
});

describe('rest_for_one', () => {
  it('restarts the crashed child and the children after it, not those before', async () => {
    const { w, log, r, records } = await setup('rest_for_one');
    const mark = log.length;
    res(r, 'b').crash();
    await flush();
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RESTARTING', 'RESTARTING', 'RESTARTING']);
    await advance(10);
    expect(since(log, mark, 'start')).toEqual(['start:b', 'start:c', 'start:d']);
    expect(res(r, 'a')).toMatchObject({ starts: 1, stops: 0 });
    expect(res(r, 'a').signal().aborted).toBe(false);
    expect(w.agents().map((x) => [x.name, x.lifecycle, x.restarts])).toEqual([
      ['a', 'RUNNING', 0],
      ['b', 'RUNNING', 1],
      ['c', 'RUNNING', 1],
      ['d', 'RUNNING', 1],
    ]);
    expect(restartDecisions(records).map((x) => x.agent)).toEqual(['b']);
  });

  it('stops the children after the crashed one in reverse start order', async () => {
    const { log, r } = await setup('rest_for_one');
    const mark = log.length;
    res(r, 'b').crash();
    await advance(10);
    expect(since(log, mark, 'stop')).toEqual(['stop:d', 'stop:c']);
  });

  it('a crash of the last child restarts only that child', async () => {
    const { log, r } = await setup('rest_for_one');
    const mark = log.length;
    res(r, 'd').crash();
    await advance(10);
    expect(since(log, mark)).toEqual(['start:d']);
  });

  it('a crash of the first child restarts every child', async () => {
    const { log, r } = await setup('rest_for_one');
    const mark = log.length;
    res(r, 'a').crash();
    await advance(10);
    expect(since(log, mark, 'start')).toEqual(['start:a', 'start:b', 'start:c', 'start:d']);
    expect(since(log, mark, 'stop').sort()).toEqual(['stop:b', 'stop:c', 'stop:d']);
  });
});

describe('exits that restart nobody', () => {
  it.each([['one_for_all' as const], ['rest_for_one' as const]])(
    '%s: a normal exit of a transient child touches no sibling',
    async (strategy) => {
      const { w, log, r, records } = await setup(strategy, { a: { restart: 'transient' } });
      const mark = log.length;
      res(r, 'a').exitNormally();
      await advance(1_000);
      expect(since(log, mark)).toEqual([]);
      expect(w.agents().map((x) => x.lifecycle)).toEqual(['STOPPED', 'RUNNING', 'RUNNING', 'RUNNING']);
      expect(restartDecisions(records)).toEqual([]);
    },
  );

  it('one_for_all: a crash of a temporary child touches no sibling', async () => {
    const { w, log, r } = await setup('one_for_all', { c: { restart: 'temporary' } });
    const mark = log.length;
    res(r, 'c').crash();
    await advance(1_000);
    expect(since(log, mark)).toEqual([]);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING', 'STOPPED', 'RUNNING']);
  });
});

describe('one_for_all: stops one at a time', () => {
  it('the next survivor is stopped only once the previous stop() has settled or been abandoned (OTP terminate_children)', async () => {
    const { log, r } = await setup('one_for_all', { d: { stop: 'hang', shutdownMs: 1_000 } });
    const mark = log.length;
    res(r, 'a').crash();
    await flush();
    expect(since(log, mark, 'stop')).toEqual(['stop:d']);
    await advance(1_000);
    expect(since(log, mark, 'stop')).toEqual(['stop:d', 'stop:c', 'stop:b']);
  });
});

describe('jittered backoff', () => {
  it("uses the warden's random draw: full jitter with random() = 0.5 halves the delay", async () => {
    const { log, r, agents } = resources(['a']);
    const w = makeWarden(
      { agents, supervisor: { backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: 'full' } } },
      { random: () => 0.5 },
    );
    await w.start();
    res(r, 'a').crash();
    await advance(49);
    expect(res(r, 'a').starts).toBe(1);
    await advance(1);
    expect(res(r, 'a').starts).toBe(2);
    expect(log).toEqual(['start:a', 'start:a']);
  });
});
