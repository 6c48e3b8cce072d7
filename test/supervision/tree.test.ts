// supervisor_SUITE: tree. A nested supervisor that exceeds its intensity escalates; its parent treats
// that as one crash of one child and restarts it, and its children start again in order.
import { describe, expect, it } from 'vitest';
import type { SupervisorConfig } from '../../src/index.ts';
import { lifecycle, res, resources, restartDecisions, since, supervisorRecords } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, recordAll, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

function treeWarden(root: Partial<SupervisorConfig> = {}, inner: Partial<SupervisorConfig> = {}) {
  const { log, r, agents } = resources(['a', 'b', 'c', 'd']);
  const w = makeWarden({
    agents,
    supervisor: {
      strategy: 'one_for_one',
      maxRestarts: 3,
      withinMs: 60_000,
      backoff: flatBackoff(100),
      ...root,
      children: ['a', { name: 'inner', strategy: 'one_for_one', maxRestarts: 1, withinMs: 60_000, backoff: flatBackoff(10), children: ['b', 'c'], ...inner }, 'd'],
    },
  });
  return { w, log, r, records: recordAll(w) };
}

describe('tree', () => {
  it('supervisors() shows the tree with strategies, statuses and restart counts', async () => {
    const { w } = treeWarden({ strategy: 'rest_for_one' }, { strategy: 'one_for_all' });
    await w.start();
    expect(w.supervisors()).toEqual([
      {
        name: 'root',
        strategy: 'rest_for_one',
        status: 'RUNNING',
        restarts: 0,
        children: [
          'a',
          {
            name: 'inner', strategy: 'one_for_all', status: 'RUNNING', restarts: 0, children: ['b', 'c'],
            counts: { specs: 2, active: 2, supervisors: 0, workers: 2 }, autoShutdown: 'never', dynamic: [],
          },
          'd',
        ],
        // OTP count_children: the nested supervisor is one spec of type supervisor.
        counts: { specs: 3, active: 3, supervisors: 1, workers: 2 },
        autoShutdown: 'never',
        dynamic: [],
      },
    ]);
  });

  it("a crash inside the nested supervisor is its own business: it restarts the child, the root's window is untouched", async () => {
    const { w, r, records } = treeWarden();
    await w.start();
    res(r, 'b').crash();
    await advance(10);
    expect(w.agent('b')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
    expect(restartDecisions(records, 'inner').map((x) => x.agent)).toEqual(['b']);
    expect(restartDecisions(records, 'root')).toEqual([]);
    const [root] = w.supervisors();
    expect(root).toMatchObject({ status: 'RUNNING', restarts: 0 });
    expect(root?.children[1]).toMatchObject({ name: 'inner', status: 'RUNNING', restarts: 1 });
  });

  it('a nested supervisor that escalates is restarted by its parent as one child; its children start again in order', async () => {
    const { w, log, r, records } = treeWarden();
    await w.start();
    const b = res(r, 'b');
    b.crash();
    await advance(10);
    const mark = log.length;
    b.crash(); // second crash within inner's window: maxRestarts 1 exceeded
    await flush();

    // inner gives up: c stopped, b ESCALATED, inner ESCALATED with a CRITICAL alert.
    expect(since(log, mark)).toEqual(['stop:c']);
    expect(w.agents().map((x) => [x.name, x.lifecycle])).toEqual([
      ['a', 'RUNNING'],
      ['b', 'ESCALATED'],
      ['c', 'STOPPED'],
      ['d', 'RUNNING'],
    ]);
    expect(supervisorRecords(records, 'inner').some((x) => x.to === 'ESCALATED')).toBe(true);
    expect(w.alerts().map((x) => x.component)).toContain('supervisor:inner');

    // root treats it as one crash of child `inner`: its RESTART record names it.
    expect(restartDecisions(records, 'root')).toEqual([
      expect.objectContaining({ kind: 'supervisor', id: 'root', from: 'RUNNING', to: 'RUNNING', event: 'RESTART', agent: 'inner' }),
    ]);
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 1 });
    // While root's backoff runs the subtree is RESTARTING; the root is still RUNNING, so health is not failing.
    await advance(50);
    expect((w.supervisors()[0]?.children[1] as { status: string }).status).toBe('RESTARTING');
    expect(w.health().status).not.toBe('failing');

    await advance(50);
    expect(since(log, mark)).toEqual(['stop:c', 'start:b', 'start:c']);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    // a and d were never touched.
    expect(res(r, 'a')).toMatchObject({ starts: 1, stops: 0 });
    expect(res(r, 'd')).toMatchObject({ starts: 1, stops: 0 });
    // inner comes back with a fresh window.
    const inner = w.supervisors()[0]?.children[1];
    expect(inner).toMatchObject({ name: 'inner', status: 'RUNNING', restarts: 0 });
    const innerStates = supervisorRecords(records, 'inner').map((x) => [x.from, x.to]);
    expect(innerStates.slice(-3)).toEqual([
      ['RUNNING', 'ESCALATED'],
      ['ESCALATED', 'RESTARTING'],
      ['RESTARTING', 'RUNNING'],
    ]);
    expect(lifecycle(records, 'b').slice(-3).map((x) => [x.from, x.to])).toEqual([
      ['RESTARTING', 'ESCALATED'],
      ['ESCALATED', 'STARTING'],
      ['STARTING', 'RUNNING'],
    ]);
    expect(w.health().status).toBe('ok');

    // And it works again: one more crash of b is restarted by inner itself.
    b.crash();
    await advance(10);
    expect(w.agent('b').lifecycle).toBe('RUNNING');
    expect(restartDecisions(records, 'root')).toHaveLength(1);
  });

  it("a nested supervisor's escalations count toward the parent's intensity: the root escalates and health is failing", async () => {
    const { w, log, r, records } = treeWarden({ maxRestarts: 1 });
    await w.start();
    const b = res(r, 'b');
    // First escalation of inner: restarted by root (1 restart in root's window).
    b.crash();
    await advance(10);
    b.crash();
    await advance(100);
    expect(w.agent('b').lifecycle).toBe('RUNNING');
    // Second escalation: root's limit is exceeded.
    b.crash();
    await advance(10);
    const mark = log.length;
    b.crash();
    await flush();
    expect(supervisorRecords(records, 'root').at(-1)).toMatchObject({ to: 'ESCALATED' });
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
    expect(w.health().status).toBe('failing');
    // root stops its other children in reverse order: d, then a (inner's children were stopped by inner).
    expect(since(log, mark)).toEqual(['stop:c', 'stop:d', 'stop:a']);
    expect(w.alerts().filter((x) => x.level === 'CRITICAL').map((x) => x.component)).toContain('supervisor:root');
    await advance(60_000);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['STOPPED', 'ESCALATED', 'STOPPED', 'STOPPED']);
  });

  it('one_for_all at the root: a crash of a sibling restarts the nested subtree (stopped in reverse, started in order)', async () => {
    const { w, log, r, records } = treeWarden({ strategy: 'one_for_all' });
    await w.start();
    const mark = log.length;
    res(r, 'a').crash();
    await flush();
    expect((w.supervisors()[0]?.children[1] as { status: string }).status).toBe('RESTARTING');
    await advance(100);
    const stops = since(log, mark, 'stop');
    expect(stops.indexOf('stop:c')).toBeLessThan(stops.indexOf('stop:b'));
    expect(since(log, mark, 'start')).toEqual(['start:a', 'start:b', 'start:c', 'start:d']);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    expect(restartDecisions(records, 'root').map((x) => x.agent)).toEqual(['a']);
    expect(restartDecisions(records, 'inner')).toEqual([]);
  });

  it('rest_for_one at the root: an escalating nested supervisor takes the children after it down and up with it', async () => {
    const { w, log, r } = treeWarden({ strategy: 'rest_for_one' });
    await w.start();
    const b = res(r, 'b');
    b.crash();
    await advance(10);
    const mark = log.length;
    b.crash();
    await advance(100);
    expect(since(log, mark, 'stop')).toEqual(['stop:c', 'stop:d']);
    expect(since(log, mark, 'start')).toEqual(['start:b', 'start:c', 'start:d']);
    expect(res(r, 'a')).toMatchObject({ starts: 1, stops: 0 });
  });
});
