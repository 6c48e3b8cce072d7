// Supervision state across a restart of the process, with a dataDir: the restart-intensity window,
// agent lifecycles and an ESCALATED root are restored, not reset. Each "process" is a fresh warden
// on the same directory with fresh resources; time is simulated (the journal's setImmediate is real).
import { describe, expect, it, vi } from 'vitest';
import { type AgentConfig, type Warden } from '../../src/index.ts';
import { res, resources } from '../support/resources.ts';
import { flatBackoff, T0 } from '../support/warden.ts';
import { useRestartHarness } from '../support/restart.ts';

const h = useRestartHarness('warden-sup-restart-');

const supervisor = { maxRestarts: 2, withinMs: 60_000, backoff: flatBackoff(10, 1) };

/** One "process": a warden on the shared data dir. */
const boot = (agents: Record<string, AgentConfig>): Promise<Warden> => h.boot({ agents, supervisor });
const shutdown = (w: Warden): Promise<void> => h.shutdown(w);

/** Two crashes of `a` in the first process: one short of the limit. */
async function twoCrashes(): Promise<void> {
  const { r, agents } = resources(['a', 'b']);
  const w = await boot(agents);
  for (let i = 0; i < 2; i++) {
    res(r, 'a').crash();
    await vi.advanceTimersByTimeAsync(10);
  }
  expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 2 });
  await shutdown(w);
}

describe('supervision state across a restart (dataDir)', () => {
  it('the restart window survives: a third crash inside withinMs, in the next process, escalates', async () => {
    await twoCrashes();
    const { r, agents } = resources(['a', 'b']);
    const w = await boot(agents);
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 2 });
    expect(w.agent('a')).toMatchObject({ lifecycle: 'RUNNING', restarts: 2 });
    res(r, 'a').crash();
    await vi.advanceTimersByTimeAsync(0);
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
  });

  it('the window still moves on: past withinMs the same third crash is one more restart', async () => {
    await twoCrashes();
    vi.setSystemTime(T0 + 60_000 + 100);
    const { r, agents } = resources(['a', 'b']);
    const w = await boot(agents);
    res(r, 'a').crash();
    await vi.advanceTimersByTimeAsync(10);
    // the supervisor counts the restarts inside its window: the two old ones have left it
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 1 });
    expect(w.agent('a')).toMatchObject({ lifecycle: 'RUNNING', restarts: 3 });
  });

  it('an ESCALATED root stays ESCALATED: health is failing and its agents are not started', async () => {
    await twoCrashes();
    {
      const { r, agents } = resources(['a', 'b']);
      const w = await boot(agents);
      res(r, 'a').crash();
      await vi.advanceTimersByTimeAsync(0);
      expect(w.supervisors()[0]?.status).toBe('ESCALATED');
      await shutdown(w);
    }
    const { r, agents } = resources(['a', 'b']);
    const w = await boot(agents);
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
    expect(w.health().status).toBe('failing');
    expect(res(r, 'a').starts + res(r, 'b').starts).toBe(0);
    expect(w.agent('a').lifecycle).toBe('ESCALATED');
  });

  it('a stopped agent stays STOPPED (not started) while its sibling runs', async () => {
    {
      const { agents } = resources(['a', 'b']);
      const w = await boot(agents);
      w.stopAgent('b');
      await vi.advanceTimersByTimeAsync(0);
      expect(w.agent('b').lifecycle).toBe('STOPPED');
      await shutdown(w);
    }
    const { r, agents } = resources(['a', 'b']);
    const w = await boot(agents);
    expect(w.agent('a').lifecycle).toBe('RUNNING');
    expect(w.agent('b').lifecycle).toBe('STOPPED');
    expect(res(r, 'b').starts).toBe(0);
    expect(res(r, 'a').starts).toBe(1);
  });
});
