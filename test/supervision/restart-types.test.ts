// supervisor_SUITE: permanent_normal, permanent_abnormal, transient_normal, transient_abnormal,
// temporary_normal, temporary_abnormal. What a child's own exit makes its supervisor do.
import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/index.ts';
import { lifecycle, res, resources, restartDecisions } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, recordAll, T0, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

type Restart = NonNullable<AgentConfig['restart']>;

async function setup(restart: Restart, maxRestarts = 3) {
  const { log, r, agents } = resources(['child', 'other'], { child: { restart } });
  const w = makeWarden({ agents, supervisor: { maxRestarts, withinMs: 10_000, backoff: flatBackoff(10) } });
  const records = recordAll(w);
  await w.start();
  return { w, log, records, child: res(r, 'child'), other: res(r, 'other') };
}

const cases: Array<[Restart, 'normal' | 'abnormal', boolean]> = [
  ['permanent', 'normal', true],
  ['permanent', 'abnormal', true],
  ['transient', 'normal', false],
  ['transient', 'abnormal', true],
  ['temporary', 'normal', false],
  ['temporary', 'abnormal', false],
];

describe('restart types after normal and abnormal exits', () => {
  it.each(cases)('%s child, %s exit: restarted = %s', async (restart, how, restarted) => {
    const { w, records, child, other } = await setup(restart);
    await advance(1_000);
    if (how === 'normal') child.exitNormally();
    else child.crash('died');
    await flush();

    if (restarted) {
      expect(w.agent('child').lifecycle).toBe('RESTARTING');
      await advance(9);
      expect(child.starts).toBe(1);
      await advance(1);
      expect(child.starts).toBe(2);
      expect(w.agent('child')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
      expect(restartDecisions(records).map((r) => r.agent)).toEqual(['child']);
      expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 1 });
    } else {
      expect(w.agent('child').lifecycle).toBe('STOPPED');
      await advance(60_000);
      expect(child.starts).toBe(1);
      expect(w.agent('child')).toMatchObject({ lifecycle: 'STOPPED', restarts: 0 });
      expect(restartDecisions(records)).toEqual([]);
      expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 0 });
    }
    // The child's own exit: its resource is gone, so stop() is not called; the sibling is untouched.
    expect(child.stops).toBe(0);
    expect(other).toMatchObject({ starts: 1, stops: 0 });
    expect(w.agent('other').lifecycle).toBe('RUNNING');
    expect(w.agent('child').lastExit).toEqual({
      at: new Date(T0 + 1_000).toISOString(),
      reason: how === 'normal' ? 'normal' : expect.stringContaining('child died'),
    });
    // The exit itself is recorded on the agent: RUNNING → RESTARTING or STOPPED, event EXITED.
    const exit = lifecycle(records, 'child').find((r) => r.from === 'RUNNING');
    expect(exit).toMatchObject({ to: restarted ? 'RESTARTING' : 'STOPPED', event: 'EXITED', at: T0 + 1_000 });
    expect(w.health().status).toBe('ok');
  });

  it('a permanent child restarted after normal exits counts toward intensity, like crashes (OTP)', async () => {
    const { w, child, records } = await setup('permanent', 1);
    child.exitNormally();
    await advance(10);
    expect(w.agent('child').lifecycle).toBe('RUNNING');
    child.exitNormally();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
    expect(supervisorTo(records, 'ESCALATED')).toHaveLength(1);
  });

  it('normal exits of a transient child never count toward intensity, even with maxRestarts 0', async () => {
    const { w, child, records } = await setup('transient', 0);
    for (let i = 0; i < 5; i++) {
      child.exitNormally();
      await flush();
      expect(w.agent('child').lifecycle).toBe('STOPPED');
      w.startAgent('child');
      await flush();
      expect(w.agent('child').lifecycle).toBe('RUNNING');
    }
    expect(child.starts).toBe(6);
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 0 });
    expect(restartDecisions(records)).toEqual([]);
  });

  it('a crash of a temporary child never counts toward intensity, even with maxRestarts 0', async () => {
    const { w, child, records } = await setup('temporary', 0);
    child.crash();
    await flush();
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 0 });
    expect(supervisorTo(records, 'ESCALATED')).toEqual([]);
    expect(w.alerts().filter((a) => a.level === 'CRITICAL')).toEqual([]);
  });

  it('a start() that rejects is a crash: a transient child is restarted, a temporary one is not', async () => {
    const { r, agents } = resources(['tr', 'tmp'], {
      tr: { restart: 'transient', failStart: (n) => n === 1 },
      tmp: { restart: 'temporary', failStart: (n) => n === 1 },
    });
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(10) } });
    await w.start();
    await advance(10);
    expect(res(r, 'tr').starts).toBe(2);
    expect(res(r, 'tmp').starts).toBe(1);
    expect(w.agent('tr')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
    expect(w.agent('tmp').lifecycle).toBe('STOPPED');
    expect(w.agent('tmp').lastExit?.reason).toContain('tmp failed to start');
  });
});

function supervisorTo(records: ReturnType<typeof recordAll>, to: string) {
  return records.filter((r) => r.kind === 'supervisor' && r.to === to);
}
