// supervisor_SUITE significant_* and auto_shutdown*: a supervisor with autoShutdown stops itself (and its
// children) when any / all of its significant children ended by themselves; an operator's stop does not
// trigger it; a nested supervisor that shut down is not restarted by its parent; and the config rules
// OTP applies to significant children.
import { describe, expect, it } from 'vitest';
import { createWarden, isWardenError, type SupervisorConfig } from '../../src/index.ts';
import { poolSpec } from '../support/pool.ts';
import { res, resources, restartDecisions, supervisorRecords } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, recordAll, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

type Job = Pick<SupervisorConfig, 'autoShutdown'>;

/** root: [other, job: [w1, w2?, helper]] with significant workers. */
async function boot(job: Job, workers: Record<string, 'transient' | 'temporary'>) {
  const names = ['other', ...Object.keys(workers), 'helper'];
  const opts = Object.fromEntries(Object.entries(workers).map(([n, restart]) => [n, { restart }]));
  const { log, r, agents } = resources(names, opts);
  for (const n of Object.keys(workers)) agents[n] = { ...agents[n], significant: true };
  const w = makeWarden({
    agents,
    supervisor: {
      maxRestarts: 5,
      withinMs: 60_000,
      backoff: flatBackoff(10),
      children: ['other', { name: 'job', ...job, backoff: flatBackoff(10), children: [...Object.keys(workers), 'helper'] }],
    },
  });
  const records = recordAll(w);
  await w.start();
  return { w, r, log, records };
}

const status = (w: ReturnType<typeof makeWarden>, name: string) => {
  const root = w.supervisors()[0];
  if (name === 'root') return root?.status;
  const s = root?.children.find((c) => typeof c !== 'string' && c.name === name);
  return typeof s === 'string' ? undefined : s?.status;
};

describe('significant children and autoShutdown', () => {
  it("any_significant: a transient significant child's normal exit stops its supervisor and the siblings; its parent does not restart it", async () => {
    const { w, r, records } = await boot({ autoShutdown: 'any_significant' }, { w1: 'transient' });
    res(r, 'w1').exitNormally();
    await flush();
    expect(status(w, 'job')).toBe('STOPPED');
    expect(w.agent('helper').lifecycle).toBe('STOPPED');
    expect(res(r, 'helper').stops).toBe(1);
    expect(supervisorRecords(records, 'job').at(-1)).toMatchObject({ from: 'RUNNING', to: 'STOPPED', event: 'AUTO_SHUTDOWN' });
    await advance(1_000);
    expect(restartDecisions(records, 'root')).toEqual([]);
    expect(status(w, 'root')).toBe('RUNNING');
    expect(w.agent('other').lifecycle).toBe('RUNNING');
  });

  it('any_significant: a transient significant child that crashes is restarted instead (significant_transient)', async () => {
    const { w, r } = await boot({ autoShutdown: 'any_significant' }, { w1: 'transient' });
    res(r, 'w1').crash();
    await advance(10);
    expect(status(w, 'job')).toBe('RUNNING');
    expect(w.agent('w1')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
  });

  it('any_significant: a temporary significant child ends it by a crash as well (significant_temporary)', async () => {
    const { w, r } = await boot({ autoShutdown: 'any_significant' }, { w1: 'temporary' });
    res(r, 'w1').crash();
    await flush();
    expect(status(w, 'job')).toBe('STOPPED');
  });

  it('all_significant: only the last active significant child ends it', async () => {
    const { w, r } = await boot({ autoShutdown: 'all_significant' }, { w1: 'temporary', w2: 'temporary' });
    res(r, 'w1').exitNormally();
    await flush();
    expect(status(w, 'job')).toBe('RUNNING');
    expect(w.agent('helper').lifecycle).toBe('RUNNING');
    res(r, 'w2').crash();
    await flush();
    expect(status(w, 'job')).toBe('STOPPED');
    expect(w.agent('helper').lifecycle).toBe('STOPPED');
  });

  it("an operator's stop of a significant child triggers nothing, and that child no longer counts as active", async () => {
    const { w, r } = await boot({ autoShutdown: 'all_significant' }, { w1: 'transient', w2: 'transient' });
    w.stopAgent('w1');
    await flush();
    expect(status(w, 'job')).toBe('RUNNING');
    res(r, 'w2').exitNormally();
    await flush();
    expect(status(w, 'job')).toBe('STOPPED');
  });

  it('never: no shutdown (the default), whatever the children do', async () => {
    const { log, r, agents } = resources(['a'], { a: { restart: 'transient' } });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'a').exitNormally();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('RUNNING');
    expect(log).toEqual(['start:a']);
  });

  it('a root with autoShutdown stops every agent once its significant child is done', async () => {
    const { r, agents } = resources(['main', 'side'], { main: { restart: 'transient' } });
    agents['main'] = { ...agents['main'], significant: true };
    const w = makeWarden({ agents, supervisor: { autoShutdown: 'any_significant' } });
    await w.start();
    res(r, 'main').exitNormally();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('STOPPED');
    expect(w.agents().map((a) => a.lifecycle)).toEqual(['STOPPED', 'STOPPED']);
  });

  it("a significant nested supervisor's own shutdown counts toward its parent's autoShutdown", async () => {
    const { r, agents } = resources(['w1', 'x'], { w1: { restart: 'transient' } });
    agents['w1'] = { ...agents['w1'], significant: true };
    const w = makeWarden({
      agents,
      supervisor: { autoShutdown: 'any_significant', children: [{ name: 'job', significant: true, autoShutdown: 'any_significant', children: ['w1'] }, 'x'] },
    });
    await w.start();
    res(r, 'w1').exitNormally();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('STOPPED');
    expect(w.agent('x').lifecycle).toBe('STOPPED');
  });

  it('a pool whose temporary members are significant stops once the last of them ended (all_significant)', async () => {
    const spec = poolSpec({ restart: 'temporary', significant: true });
    const w = makeWarden({
      agents: { base: {} },
      supervisor: { children: ['base', { name: 'batch', autoShutdown: 'all_significant', pool: { agent: spec.agent, max: 10 } }] },
    });
    await w.start();
    await w.addAgent('j1', { pool: 'batch' });
    await w.addAgent('j2', { pool: 'batch' });
    spec.exitNormally('j1');
    await flush();
    expect(status(w, 'batch')).toBe('RUNNING');
    spec.crash('j2');
    await flush();
    expect(status(w, 'batch')).toBe('STOPPED');
    // Its members were temporary: nothing of them is kept. A stopped pool takes no new member.
    expect(w.agents().map((a) => a.name)).toEqual(['base']);
    await expect(w.addAgent('j3', { pool: 'batch' })).rejects.toMatchObject({ code: 'invalid_transition' });
  });
});

describe('the config rules OTP applies to significant children', () => {
  const fieldOf = (config: Parameters<typeof createWarden>[0]) => {
    try {
      createWarden({ ...config, persist: false });
    } catch (err) {
      if (isWardenError(err)) return { field: err.details?.['field'], message: err.message };
    }
    return undefined;
  };

  it('refuses a permanent significant child', () => {
    expect(fieldOf({ agents: { a: { significant: true } }, supervisor: { autoShutdown: 'any_significant' } })).toEqual({
      field: 'agents.a.significant',
      message: "agents.a.significant must be false for a permanent child: only a 'transient' or 'temporary' child can be significant (as in OTP)",
    });
  });

  it("refuses a significant child under a supervisor whose autoShutdown is 'never'", () => {
    expect(fieldOf({ agents: { a: { significant: true, restart: 'transient' } } })?.message).toMatch(/supervisor "root" has autoShutdown 'never'/);
    expect(
      fieldOf({ agents: { a: { restart: 'temporary', significant: true }, b: {} }, supervisor: { children: [{ name: 'n', children: ['a'] }, 'b'] } })?.message,
    ).toMatch(/supervisor "n" has autoShutdown 'never'/);
  });

  it("checks a pool's spec and a nested supervisor's flag the same way", () => {
    expect(
      fieldOf({ agents: { b: {} }, supervisor: { children: [{ name: 'p', pool: { agent: { significant: true, restart: 'temporary' } } }] } })?.field,
    ).toBe('supervisor.children[0].pool.agent.significant');
    expect(fieldOf({ agents: { b: {} }, supervisor: { children: [{ name: 'n', significant: true, children: ['b'] }] } })?.field).toBe(
      'supervisor.children[0].significant',
    );
  });

  it('refuses an unknown autoShutdown and a bad pool max', () => {
    expect(fieldOf({ agents: { a: {} }, supervisor: { autoShutdown: 'sometimes' as never } })?.field).toBe('supervisor.autoShutdown');
    expect(fieldOf({ agents: { b: {} }, supervisor: { children: [{ name: 'p', pool: { agent: {}, max: 0 } }] } })?.field).toBe('supervisor.children[0].pool.max');
  });
});
