// supervisor_SUITE: temporary_bystander (one_for_all and rest_for_one). A temporary child that a
// sibling's crash takes down is stopped for good: not restarted, and not counted toward intensity.
import { describe, expect, it } from 'vitest';
import type { SupervisorConfig } from '../../src/index.ts';
import { lifecycle, res, resources, restartDecisions, since } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, recordAll, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

async function setup(strategy: NonNullable<SupervisorConfig['strategy']>, names: readonly string[], maxRestarts: number) {
  const { log, r, agents } = resources(names, { tmp: { restart: 'temporary' } });
  const w = makeWarden({ agents, supervisor: { strategy, maxRestarts, withinMs: 10_000, backoff: flatBackoff(10) } });
  const records = recordAll(w);
  await w.start();
  return { w, log, r, records };
}

describe('temporary bystander', () => {
  it('one_for_all: the temporary sibling is stopped (its stop() called, its signal aborted) and never started again', async () => {
    const { w, log, r, records } = await setup('one_for_all', ['a', 'tmp', 'c'], 5);
    const tmp = res(r, 'tmp');
    res(r, 'a').crash();
    await flush();
    expect(w.agent('tmp').lifecycle).toBe('STOPPED');
    expect(tmp.stops).toBe(1);
    expect(tmp.signal().aborted).toBe(true);
    expect(lifecycle(records, 'tmp').at(-1)).toMatchObject({ from: 'RUNNING', to: 'STOPPED', event: 'STOP' });
    await advance(60_000);
    expect(tmp.starts).toBe(1);
    expect(w.agent('tmp')).toMatchObject({ lifecycle: 'STOPPED', restarts: 0 });
    // The others came back.
    expect(w.agent('a')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
    expect(w.agent('c')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
    expect(log.filter((e) => e === 'start:tmp')).toHaveLength(1);
  });

  it('one_for_all: the bystander costs no intensity — maxRestarts 1 survives one crash, and one decision is recorded', async () => {
    const { w, r, records } = await setup('one_for_all', ['a', 'tmp', 'c'], 1);
    res(r, 'c').crash();
    await advance(10);
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 1 });
    expect(restartDecisions(records).map((x) => x.agent)).toEqual(['c']);
    expect(records.some((x) => x.kind === 'supervisor' && x.to === 'ESCALATED')).toBe(false);
  });

  it('one_for_all: the bystander is stopped in its place in the reverse order', async () => {
    const { log, r } = await setup('one_for_all', ['a', 'tmp', 'c', 'd'], 5);
    const mark = log.length;
    res(r, 'a').crash();
    await advance(10);
    expect(since(log, mark, 'stop')).toEqual(['stop:d', 'stop:c', 'stop:tmp']);
  });

  it('rest_for_one: a temporary child after the crashed one is stopped for good; the one before is untouched', async () => {
    const { w, r, records } = await setup('rest_for_one', ['a', 'b', 'tmp'], 1);
    res(r, 'b').crash();
    await advance(10);
    expect(w.agents().map((x) => [x.name, x.lifecycle, x.restarts])).toEqual([
      ['a', 'RUNNING', 0],
      ['b', 'RUNNING', 1],
      ['tmp', 'STOPPED', 0],
    ]);
    expect(res(r, 'tmp')).toMatchObject({ starts: 1, stops: 1 });
    expect(res(r, 'a')).toMatchObject({ starts: 1, stops: 0 });
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 1 });
    expect(restartDecisions(records).map((x) => x.agent)).toEqual(['b']);
    await advance(60_000);
    expect(res(r, 'tmp').starts).toBe(1);
  });

  it('rest_for_one: a temporary child before the crashed one keeps running', async () => {
    const { w, r } = await setup('rest_for_one', ['tmp', 'b', 'c'], 5);
    res(r, 'b').crash();
    await advance(10);
    expect(w.agent('tmp')).toMatchObject({ lifecycle: 'RUNNING', restarts: 0 });
    expect(res(r, 'tmp')).toMatchObject({ starts: 1, stops: 0 });
  });

  it('a stopped temporary bystander can still be started by hand, and is again not restarted after a crash', async () => {
    const { w, r } = await setup('one_for_all', ['a', 'tmp'], 5);
    res(r, 'a').crash();
    await advance(10);
    w.startAgent('tmp');
    await flush();
    expect(w.agent('tmp').lifecycle).toBe('RUNNING');
    res(r, 'tmp').crash();
    await advance(1_000);
    expect(w.agent('tmp').lifecycle).toBe('STOPPED');
    expect(res(r, 'tmp').starts).toBe(2);
    expect(w.agent('a')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
  });
});
