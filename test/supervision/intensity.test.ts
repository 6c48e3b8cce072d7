// supervisor_SUITE: multiple_restarts, restart intensity and escalation. maxRestarts restarts are
// allowed within any withinMs window; one more escalates: the supervisor stops its children in reverse
// order, goes ESCALATED with a CRITICAL alert (and notify), and the root going ESCALATED makes health failing.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src/index.ts';
import { lifecycle, res, resources, restartDecisions, since, supervisorRecords, type Resource } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, recordAll, T0, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

/** Crashes the child's current incarnation and waits for it to be RUNNING again (or not). */
async function crashAndWait(c: Resource, restartMs = 10) {
  c.crash();
  await advance(restartMs);
}

describe('multiple_restarts: the intensity window', () => {
  it('allows maxRestarts restarts inside the window; the next crash escalates', async () => {
    const { r, agents } = resources(['a', 'b']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 3, withinMs: 1_000, backoff: flatBackoff(10, 1) } });
    const records = recordAll(w);
    await w.start();
    const a = res(r, 'a');
    for (let i = 1; i <= 3; i++) {
      await crashAndWait(a);
      expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: i });
      expect(w.agent('a')).toMatchObject({ lifecycle: 'RUNNING', restarts: i });
    }
    a.crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
    expect(restartDecisions(records)).toHaveLength(3);
    expect(supervisorRecords(records).at(-1)).toMatchObject({ from: 'RUNNING', to: 'ESCALATED', event: 'CHILD_EXIT', at: T0 + 30 });
    await advance(60_000);
    expect(a.starts).toBe(4);
  });

  it('maxRestarts 0: the first crash escalates', async () => {
    const { r, agents } = resources(['a']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, withinMs: 1_000, backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'a').crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
    expect(w.agent('a').lifecycle).toBe('ESCALATED');
  });

  it('the window slides: only the restarts of the last withinMs count', async () => {
    // maxRestarts 2 within 1000 ms: crashes at 0, 600, 1200 never have more than one earlier crash
    // inside the window; a crash at 1300 has two (600 and 1200) and escalates.
    const { r, agents } = resources(['a']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 2, withinMs: 1_000, backoff: flatBackoff(10, 1) } });
    await w.start();
    const a = res(r, 'a');
    a.crash();
    await advance(600);
    a.crash();
    await advance(600);
    a.crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('RUNNING');
    await advance(100);
    a.crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
  });

  it('a crash exactly withinMs after an earlier one no longer sees it', async () => {
    const { r, agents } = resources(['a']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 1, withinMs: 500, backoff: flatBackoff(10, 1) } });
    await w.start();
    const a = res(r, 'a');
    a.crash();
    await advance(500);
    a.crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('RUNNING');
    await advance(10);
    a.crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
  });

  it('property: crashes spaced farther apart than withinMs never trip the intensity limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 50, max: 2_000 }),
        fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom('one_for_one' as const, 'one_for_all' as const, 'rest_for_one' as const),
        async (maxRestarts, withinMs, extraGaps, strategy) => {
          const { r, agents } = resources(['x', 'y']);
          const w = makeWarden({
            agents,
            // The backoff (≤ 40 ms) is shorter than every gap, so the child is RUNNING at each crash.
            supervisor: { strategy, maxRestarts, withinMs, backoff: flatBackoff(10, 2, 40), resetBackoffAfterMs: 1 },
          });
          await w.start();
          const y = res(r, 'y');
          let crashes = 0;
          for (const extra of [0, ...extraGaps]) {
            await advance(withinMs + extra);
            expect(w.agent('y').lifecycle).toBe('RUNNING');
            y.crash();
            crashes++;
            await flush();
            expect(w.supervisors()[0]?.status).toBe('RUNNING');
          }
          await advance(100);
          expect(w.agent('y')).toMatchObject({ lifecycle: 'RUNNING', restarts: crashes });
          expect(w.health().status).toBe('ok');
          await w.stop();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('property: maxRestarts + 1 crashes inside one window always escalate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 2_000, max: 10_000 }), async (maxRestarts, withinMs) => {
        const { r, agents } = resources(['x']);
        const w = makeWarden({ agents, supervisor: { maxRestarts, withinMs, backoff: flatBackoff(10, 1) } });
        await w.start();
        const x = res(r, 'x');
        for (let i = 0; i < maxRestarts; i++) await crashAndWait(x);
        expect(w.supervisors()[0]?.status).toBe('RUNNING');
        x.crash();
        await flush();
        expect(w.supervisors()[0]?.status).toBe('ESCALATED');
        await w.stop();
      }),
      { numRuns: 15 },
    );
  });
});

describe('intensity exceeded: escalation', () => {
  it('stops the other children in reverse order, marks the culprit and the supervisor ESCALATED, alerts and notifies', async () => {
    const notified: Alert[] = [];
    const notify = vi.fn((a: Alert) => void notified.push(a));
    const { log, r, agents } = resources(['a', 'b', 'c', 'd']);
    const w = makeWarden({ agents, notify, supervisor: { maxRestarts: 1, withinMs: 10_000, backoff: flatBackoff(10) } });
    const records = recordAll(w);
    await w.start();
    const b = res(r, 'b');
    await crashAndWait(b);
    const mark = log.length;
    b.crash();
    await flush();

    expect(since(log, mark)).toEqual(['stop:d', 'stop:c', 'stop:a']);
    expect(b.stops).toBe(0);
    for (const n of ['a', 'b', 'c', 'd']) expect(res(r, n).signal().aborted).toBe(true);
    expect(w.agents().map((x) => [x.name, x.lifecycle])).toEqual([
      ['a', 'STOPPED'],
      ['b', 'ESCALATED'],
      ['c', 'STOPPED'],
      ['d', 'STOPPED'],
    ]);
    expect(lifecycle(records, 'c').at(-1)).toMatchObject({ from: 'RUNNING', to: 'STOPPED', event: 'STOP' });
    expect(lifecycle(records, 'b').at(-1)).toMatchObject({ to: 'ESCALATED', event: 'ESCALATE' });

    const escalation = supervisorRecords(records).filter((x) => x.to === 'ESCALATED');
    expect(escalation).toEqual([expect.objectContaining({ kind: 'supervisor', id: 'root', from: 'RUNNING', event: 'CHILD_EXIT' })]);
    const critical = w.alerts().filter((x) => x.level === 'CRITICAL');
    expect(critical.map((x) => x.component).sort()).toEqual(['agent:b', 'supervisor:root']);
    expect(critical.find((x) => x.component === 'supervisor:root')?.message).toMatch(/root exceeded its restart intensity/);
    expect(notify).toHaveBeenCalled();
    expect(notified.map((x) => x.component)).toContain('supervisor:root');

    expect(w.supervisors()[0]).toMatchObject({ name: 'root', status: 'ESCALATED' });
    expect(w.health().status).toBe('failing');

    // Nobody is restarted afterwards.
    const after = log.length;
    await advance(60_000);
    expect(log.slice(after)).toEqual([]);
  });

  it('the escalated root can be brought back by hand: startAgent restarts a stopped child', async () => {
    const { r, agents } = resources(['a', 'b']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, withinMs: 10_000, backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'a').crash();
    await flush();
    expect(w.health().status).toBe('failing');
    w.startAgent('b');
    await flush();
    expect(w.agent('b').lifecycle).toBe('RUNNING');
    expect(res(r, 'b').starts).toBe(2);
  });
});

describe('escalation: ordered, one at a time', () => {
  it('stops the children one at a time in reverse order: the next stop() waits for the previous one (OTP terminate_children)', async () => {
    const { log, r, agents } = resources(['a', 'b', 'c', 'd'], { d: { stop: 'hang', shutdownMs: 1_000 } });
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'b').crash();
    await flush();
    expect(since(log, 4)).toEqual(['stop:d']);
    await advance(1_000);
    expect(since(log, 4)).toEqual(['stop:d', 'stop:c', 'stop:a']);
  });

  it('warden.stop() after an escalation does not call stop() again, nor for the crashed culprit', async () => {
    const { r, agents } = resources(['a', 'b', 'c']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'b').crash();
    await flush();
    await w.stop();
    expect([res(r, 'a').stops, res(r, 'b').stops, res(r, 'c').stops]).toEqual([1, 0, 1]);
  });
});

describe('children that stop on their signal', () => {
  it('a resource whose exited rejects once its signal is aborted is not taken for a crash when it is stopped on purpose', async () => {
    // Like a child process: killing it (aborting the signal) makes its exit promise reject.
    const log: string[] = [];
    const starts: Record<string, number> = { a: 0, b: 0 };
    const agent = (name: string) => ({
      start: (signal: AbortSignal) => {
        starts[name] = (starts[name] ?? 0) + 1;
        log.push(`start:${name}`);
        const exited = new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('killed'))));
        exited.catch(() => {});
        return { exited };
      },
      stop: () => void log.push(`stop:${name}`),
    });
    const w = makeWarden({
      agents: { a: agent('a'), b: agent('b') },
      supervisor: { strategy: 'one_for_one', maxRestarts: 0, backoff: flatBackoff(10) },
    });
    const records = recordAll(w);
    await w.start();
    w.restartAgent('a');
    await advance(10);
    w.stopAgent('b');
    await advance(10);
    w.startAgent('b');
    await advance(10);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING']);
    expect(restartDecisions(records)).toEqual([]);
    expect(w.supervisors()[0]?.status).toBe('RUNNING');
    await w.stop();
    expect(records.filter((x) => x.kind === 'supervisor' && x.to === 'ESCALATED')).toEqual([]);
    expect(starts).toEqual({ a: 2, b: 2 });
  });
});

describe('manual stop and start', () => {
  it('stopAgent() stops a permanent child for good (not restarted, not counted); startAgent() brings it back', async () => {
    const { r, agents } = resources(['a', 'b']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 0, backoff: flatBackoff(10) } });
    const records = recordAll(w);
    await w.start();
    w.stopAgent('a');
    await flush();
    const a = res(r, 'a');
    expect(a).toMatchObject({ starts: 1, stops: 1 });
    expect(a.signal().aborted).toBe(true);
    await advance(60_000);
    expect(w.agent('a').lifecycle).toBe('STOPPED');
    expect(a.starts).toBe(1);
    expect(restartDecisions(records)).toEqual([]);
    expect(w.supervisors()[0]?.status).toBe('RUNNING');
    // Stopping it again is refused (STOP is not taken in STOPPED) and harmless: its stop() is not called a second time.
    const before = lifecycle(records, 'a').length;
    expect(() => w.stopAgent('a')).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    await flush();
    expect(a.stops).toBe(1);
    expect(lifecycle(records, 'a').slice(before).filter((x) => x.from === 'STOPPED' && x.to === 'STOPPED')).toEqual([]);
    w.startAgent('a');
    await flush();
    expect(w.agent('a').lifecycle).toBe('RUNNING');
    expect(a.starts).toBe(2);
  });
});

describe('manual restarts', () => {
  it('restartAgent() stops and starts the resource and does not count toward intensity', async () => {
    const { log, r, agents } = resources(['a', 'b']);
    const w = makeWarden({ agents, supervisor: { maxRestarts: 1, withinMs: 60_000, backoff: flatBackoff(10) } });
    const records = recordAll(w);
    await w.start();
    for (let i = 0; i < 5; i++) {
      w.restartAgent('a');
      await flush();
      expect(w.agent('a').lifecycle).toBe('RUNNING');
    }
    expect(res(r, 'a')).toMatchObject({ starts: 6, stops: 5 });
    expect(log.slice(2, 6)).toEqual(['stop:a', 'start:a', 'stop:a', 'start:a']);
    expect(w.agent('a').restarts).toBe(5);
    expect(restartDecisions(records)).toEqual([]);
    expect(w.supervisors()[0]).toMatchObject({ status: 'RUNNING', restarts: 0 });
    // The window is still empty: one crash is allowed, the second escalates.
    res(r, 'a').crash();
    await advance(10);
    expect(w.supervisors()[0]?.status).toBe('RUNNING');
    res(r, 'a').crash();
    await flush();
    expect(w.supervisors()[0]?.status).toBe('ESCALATED');
  });

  it('restartAgent() of an agent that is not RUNNING is refused with invalid_transition', async () => {
    const { r, agents } = resources(['a']);
    const w = makeWarden({ agents, supervisor: { backoff: flatBackoff(1_000) } });
    await w.start();
    res(r, 'a').crash();
    await flush();
    expect(w.agent('a').lifecycle).toBe('RESTARTING');
    expect(() => w.restartAgent('a')).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
  });
});
