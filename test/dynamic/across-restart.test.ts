// Dynamic children across a restart of the process (dataDir): the tree comes back in start order, a pool
// member runs its pool's spec from the new process's config, temporary members that ended and removed
// children stay gone, a dynamic agent whose functions did not survive waits STOPPED for addAgent to
// hand them back, and agents that vanished leave tasks that follow their policy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type AgentConfig, type SupervisorConfig, type Warden } from '../../src/index.ts';
import { applyLine, emptyState } from '../../src/store/state.ts';
import { poolSpec } from '../support/pool.ts';
import { useRestartHarness } from '../support/restart.ts';

const h = useRestartHarness('warden-dynamic-');

const boot = (agents: Record<string, AgentConfig>, supervisor?: SupervisorConfig): Promise<Warden> => h.boot({ agents, ...(supervisor ? { supervisor } : {}) });
const shutdown = (w: Warden): Promise<void> => h.shutdown(w);

const tree = (spec: AgentConfig): SupervisorConfig => ({
  children: ['base', { name: 'inner', children: ['b'] }, { name: 'tenant', pool: { agent: spec, max: 10 } }],
});

describe('dynamic children across a restart', () => {
  it('the tree comes back in start order; members run the new spec; ended temporary and removed children stay gone', async () => {
    {
      const spec = poolSpec();
      const w = await boot({ base: {}, b: {} }, tree(spec.agent));
      for (const n of ['t:1', 't:2', 't:3']) await w.addAgent(n, { pool: 'tenant', concurrency: 2 });
      await w.addAgent('ext', { role: 'worker', timeoutMs: 5_000 });
      await w.addAgent('deep', {}, { supervisor: 'inner' });
      w.stopAgent('t:2');
      await w.removeAgent('t:2');
      w.stopAgent('deep');
      await shutdown(w);
    }
    const ran: string[] = [];
    const spec = poolSpec({ run: async (_t, ctx) => void ran.push(ctx.agent) });
    const w = await boot({ base: {}, b: {} }, tree(spec.agent));
    expect(w.agents().map((a) => [a.name, a.lifecycle])).toEqual([
      ['base', 'RUNNING'],
      ['b', 'RUNNING'],
      ['deep', 'STOPPED'],
      ['t:1', 'RUNNING'],
      ['t:3', 'RUNNING'],
      ['ext', 'RUNNING'],
    ]);
    expect(w.agent('t:3')).toMatchObject({ role: 'tenant', concurrency: 2, external: false });
    expect(w.agent('ext')).toMatchObject({ role: 'worker', external: true });
    expect(spec.log).toEqual(['start:t:1', 'start:t:3']);
    const [root] = w.supervisors();
    expect(root?.dynamic).toEqual(['ext']);
    expect(root?.children.map((c) => (typeof c === 'string' ? c : `${c.name}[${c.children.join(',')}]`))).toEqual(['base', 'inner[b,deep]', 'tenant[t:1,t:3]', 'ext']);
    const { id } = await w.submit({ agent: 't:3' });
    await vi.advanceTimersByTimeAsync(0);
    expect(w.get(id)?.status).toBe('SUCCEEDED');
    expect(ran).toEqual(['t:3']);
    // Still removable, and the removal survives the next restart too.
    w.stopAgent('t:1');
    await w.removeAgent('t:1');
    await shutdown(w);
    const again = await boot({ base: {}, b: {} }, tree(poolSpec().agent));
    expect(again.agents().map((a) => a.name)).toEqual(['base', 'b', 'deep', 't:3', 'ext']);
  });

  it('a dynamic agent whose run did not survive waits STOPPED, its task kept, until addAgent hands the code back', async () => {
    {
      const w = await boot({ base: {} });
      await w.addAgent('coder', { run: async () => 'first', role: 'coder' });
      w.stopAgent('coder');
      await w.submit({ agent: 'coder', input: 'kept' });
      await shutdown(w);
    }
    const w = await boot({ base: {} });
    expect(w.agent('coder')).toMatchObject({ lifecycle: 'STOPPED', queued: 1 });
    expect(w.agent('coder').lastExit?.reason).toMatch(/awaiting its code/);
    const [task] = w.list().items;
    expect(task).toMatchObject({ status: 'ASSIGNED', agent: 'coder' });
    await w.addAgent('coder', { run: async () => 'second', role: 'coder' });
    await vi.advanceTimersByTimeAsync(0);
    expect(w.agent('coder').lifecycle).toBe('RUNNING');
    expect(w.get(task!.id)).toMatchObject({ status: 'SUCCEEDED', output: 'second', attempts: 1 });
  });

  it('an agent gone from the config: a WARNING names it, its waiting task escalates with the reason', async () => {
    let taskId = '';
    {
      const w = await boot({ base: {}, old: { run: async () => 1 } });
      w.stopAgent('old');
      taskId = (await w.submit({ agent: 'old' })).id;
      await shutdown(w);
    }
    const w = await boot({ base: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(w.get(taskId)).toMatchObject({ status: 'ESCALATED', attempts: 0, error: { kind: 'not_found' } });
    expect(w.get(taskId)?.error?.message).toBe('agent old does not exist (removed, or no longer in the config)');
    expect(w.alerts().map((a) => a.message)).toContainEqual(expect.stringMatching(/agent old is in the saved state but not in the config/));
  });

  it('members of a pool that is gone from the config are named in a WARNING and not restored', async () => {
    {
      const w = await boot({ base: {}, b: {} }, tree(poolSpec().agent));
      await w.addAgent('t:1', { pool: 'tenant' });
      await shutdown(w);
    }
    const w = await boot({ base: {}, b: {} });
    expect(w.agents().map((a) => a.name)).toEqual(['base', 'b']);
    expect(w.alerts().map((a) => a.message)).toContainEqual('dynamic agent t:1 was not restored: supervisor tenant is no longer in the config; its tasks follow their policy');
  });
});

describe('from the journal alone (the process died: no final snapshot)', () => {
  it('replays START_CHILD and DELETE_CHILD: the tree is the same, and deleted children leave no state and no warning', async () => {
    const first = poolSpec({ restart: 'temporary' });
    const dead = await boot({ base: {}, b: {} }, tree(first.agent));
    for (const n of ['t:1', 't:2', 't:3']) await dead.addAgent(n, { pool: 'tenant' });
    first.crash('t:1');
    await vi.advanceTimersByTimeAsync(0);
    dead.stopAgent('t:2');
    await dead.addAgent('ext', {});
    // Left running, never stopped: the next process finds the journal as a kill -9 leaves it.
    h.live.splice(h.live.indexOf(dead), 1);
    const spec = poolSpec({ restart: 'temporary' });
    const w = await boot({ base: {}, b: {} }, tree(spec.agent));
    expect(w.agents().map((a) => a.name)).toEqual(['base', 'b', 't:3', 'ext']);
    expect(spec.log).toEqual(['start:t:3']);
    expect(w.alerts().filter((a) => a.component === 'supervisor')).toEqual([]);
    await shutdown(w);
    const snap = JSON.parse(fs.readFileSync(path.join(h.dir, 'state.json'), 'utf8')) as { agents: Record<string, unknown> };
    expect(Object.keys(snap.agents).sort()).toEqual(['b', 'base', 'ext', 't:3']);
  });
});

describe('the journal carries each dynamic child as a change, not the whole list', () => {
  it('START_CHILD lines add a spec, DELETE_CHILD lines drop it, other supervisor lines keep the list', () => {
    const state = emptyState();
    const sup = { status: 'RUNNING' as const, restartTimes: [], streak: {} };
    const rec = (seq: number, event: string, agent?: string) => ({ seq, at: seq, kind: 'supervisor' as const, id: 'tenant', from: 'RUNNING', to: 'RUNNING', event, agent });
    applyLine(state, { n: 1, r: rec(1, 'START_CHILD', 'a'), sup, child: { name: 'a', pool: 'tenant', def: {}, code: false } }, 10);
    applyLine(state, { n: 2, r: rec(2, 'START_CHILD', 'b'), sup, child: { name: 'b', pool: 'tenant', def: { concurrency: 2 }, code: false } }, 10);
    applyLine(state, { n: 3, r: rec(3, 'RESTART', 'a'), sup: { ...sup, restartTimes: [3] } }, 10);
    expect(state.supervisors['tenant']?.dynamic?.map((d) => d.name)).toEqual(['a', 'b']);
    expect(state.supervisors['tenant']?.restartTimes).toEqual([3]);
    applyLine(state, { n: 4, r: rec(4, 'DELETE_CHILD', 'a'), sup }, 10);
    expect(state.supervisors['tenant']?.dynamic).toEqual([{ name: 'b', pool: 'tenant', def: { concurrency: 2 }, code: false }]);
  });
});
