// supervisor_SUITE simple_one_for_one, simple_one_for_one_escalation, simple_one_for_one_shutdown,
// temporary_abnormal (in a pool), count_children and do_not_save_start_parameters_for_temporary_children:
// members added at run time share the pool's spec, are restarted one for one, and the pool's
// restart intensity counts them together.
import { describe, expect, it } from 'vitest';
import type { AgentConfig, Warden } from '../../src/index.ts';
import { poolSpec } from '../support/pool.ts';
import { restartDecisions, supervisorRecords } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, recordAll, rejectionCode, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

async function boot(extra: Partial<AgentConfig> = {}, max = 3, maxRestarts = 2) {
  const spec = poolSpec(extra);
  const w = makeWarden({
    agents: { base: {} },
    supervisor: {
      maxRestarts: 5,
      withinMs: 60_000,
      backoff: flatBackoff(10),
      children: ['base', { name: 'tenant', pool: { agent: spec.agent, max }, maxRestarts, withinMs: 10_000, backoff: flatBackoff(10) }],
    },
  });
  const records = recordAll(w);
  await w.start();
  return { w, spec, records };
}

const pool = (w: Warden) => {
  const root = w.supervisors()[0];
  const p = root?.children.find((c) => typeof c !== 'string' && c.name === 'tenant');
  if (!p || typeof p === 'string') throw new Error('no pool in the tree');
  return p;
};

describe('pools (simple_one_for_one)', () => {
  it("members run the pool's spec under their own name, share its role, and show in the tree", async () => {
    const seen: string[] = [];
    const { w, spec } = await boot({ run: async (task, ctx) => void seen.push(`${ctx.agent}:${String(task.input)}`), concurrency: 2 });
    for (const n of [1, 2, 3]) await w.addAgent(`tenant:${n}`, { pool: 'tenant' });
    expect(spec.log).toEqual(['start:tenant:1', 'start:tenant:2', 'start:tenant:3']);
    expect(w.agent('tenant:2')).toMatchObject({ role: 'tenant', concurrency: 2, lifecycle: 'RUNNING', external: false });
    const { id } = await w.submit({ agent: 'tenant:2', input: 'x' });
    await flush();
    expect(w.get(id)?.status).toBe('SUCCEEDED');
    expect(seen).toEqual(['tenant:2:x']);
    expect(pool(w)).toMatchObject({
      strategy: 'simple_one_for_one',
      pool: { max: 3 },
      children: ['tenant:1', 'tenant:2', 'tenant:3'],
      counts: { specs: 3, active: 3, supervisors: 0, workers: 3 },
    });
  });

  it('a member may set its own limits, not the spec the pool gives it', async () => {
    const { w } = await boot();
    await w.addAgent('tenant:1', { pool: 'tenant', concurrency: 7 });
    expect(w.agent('tenant:1').concurrency).toBe(7);
    await expect(w.addAgent('tenant:2', { pool: 'tenant', role: 'other' })).rejects.toThrow(/def\.role is the pool's/);
    await expect(w.addAgent('tenant:2', { pool: 'tenant', run: async () => 1 })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await rejectionCode(w.addAgent('tenant:2', { pool: 'nope' }))).toBe('not_found');
    expect(await rejectionCode(w.addAgent('tenant:2', {}, { supervisor: 'tenant' }))).toBe('invalid_input');
  });

  it('enforces max with a clear conflict, and frees the place when a member is removed', async () => {
    const { w } = await boot({}, 2);
    await w.addAgent('t1', { pool: 'tenant' });
    await w.addAgent('t2', { pool: 'tenant' });
    await expect(w.addAgent('t3', { pool: 'tenant' })).rejects.toMatchObject({ code: 'conflict', message: 'pool tenant is full: it has its max of 2 members' });
    expect(() => w.agent('t3')).toThrow();
    w.stopAgent('t1');
    await w.removeAgent('t1');
    await flush();
    await w.addAgent('t3', { pool: 'tenant' });
    expect(pool(w).children).toEqual(['t2', 't3']);
  });

  it('restarts only the crashed member (one for one)', async () => {
    const { w, spec, records } = await boot();
    for (const n of ['a', 'b', 'c']) await w.addAgent(n, { pool: 'tenant' });
    spec.crash('b');
    await advance(10);
    expect(spec.starts('b')).toBe(2);
    expect(spec.starts('a')).toBe(1);
    expect(spec.starts('c')).toBe(1);
    expect(restartDecisions(records, 'tenant').map((r) => r.agent)).toEqual(['b']);
    expect(restartDecisions(records, 'root')).toEqual([]);
  });

  it("the pool's intensity counts its members together: the third crash of three members escalates the pool (simple_one_for_one_escalation)", async () => {
    const { w, spec, records } = await boot({}, 3, 2);
    for (const n of ['a', 'b', 'c']) await w.addAgent(n, { pool: 'tenant' });
    spec.crash('a');
    await advance(10);
    spec.crash('b');
    await advance(10);
    expect(pool(w)).toMatchObject({ status: 'RUNNING', restarts: 2 });
    spec.crash('c');
    await flush();
    expect(supervisorRecords(records, 'tenant').some((r) => r.to === 'ESCALATED')).toBe(true);
    expect(w.alerts().some((a) => a.level === 'CRITICAL' && a.component.includes('tenant'))).toBe(true);
    // To the root the pool is one crashed child: it brings the pool back, members and all.
    expect(restartDecisions(records, 'root').map((r) => r.agent)).toEqual(['tenant']);
    await advance(100);
    expect(pool(w)).toMatchObject({ status: 'RUNNING', restarts: 0, children: ['a', 'b', 'c'] });
    expect(w.agents().filter((x) => x.name !== 'base').map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
  });

  it('stop() stops every member (simple_one_for_one_shutdown)', async () => {
    const { w, spec } = await boot();
    for (const n of ['a', 'b', 'c']) await w.addAgent(n, { pool: 'tenant' });
    await w.stop();
    expect(['a', 'b', 'c'].map((m) => spec.stops(m))).toEqual([1, 1, 1]);
  });

  it('a temporary member that crashes is not restarted and not kept (temporary_abnormal)', async () => {
    const { w, spec, records } = await boot({ restart: 'temporary' });
    await w.addAgent('a', { pool: 'tenant' });
    await w.addAgent('b', { pool: 'tenant' });
    spec.crash('a');
    await advance(1_000);
    expect(spec.starts('a')).toBe(1);
    expect(w.agents().map((x) => x.name)).toEqual(['base', 'b']);
    expect(pool(w)).toMatchObject({ restarts: 0, children: ['b'], counts: { specs: 1, active: 1, supervisors: 0, workers: 1 } });
    expect(supervisorRecords(records, 'tenant').filter((r) => r.event === 'DELETE_CHILD').map((r) => r.agent)).toEqual(['a']);
  });

  it('keeps no spec of a temporary member once it ended, normally, by a crash or by stopAgent (do_not_save_start_parameters_for_temporary_children)', async () => {
    const { w, spec } = await boot({ restart: 'temporary' }, 10);
    for (const n of ['n', 'c', 's', 'keep']) await w.addAgent(n, { pool: 'tenant' });
    spec.exitNormally('n');
    spec.crash('c');
    w.stopAgent('s');
    await flush();
    expect(pool(w).children).toEqual(['keep']);
    expect(pool(w).counts).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    expect(spec.stops('s')).toBe(1);
    // Their names are free again.
    await w.addAgent('n', { pool: 'tenant' });
    expect(spec.starts('n')).toBe(2);
  });

  it('count_children: specs, active, supervisors, workers, in the pool and in its parent', async () => {
    const { w } = await boot({}, 5);
    for (const n of ['a', 'b', 'c']) await w.addAgent(n, { pool: 'tenant' });
    w.stopAgent('b');
    await flush();
    expect(pool(w).counts).toEqual({ specs: 3, active: 2, supervisors: 0, workers: 3 });
    expect(w.supervisors()[0]?.counts).toEqual({ specs: 2, active: 2, supervisors: 1, workers: 1 });
  });
});
