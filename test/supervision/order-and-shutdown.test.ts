// supervisor_SUITE: order_of_children and sup_stop (shutdown timeout, brutal_kill, infinity).
// Children start in the order given, each start settling before the next begins, and warden.stop()
// stops them in reverse order, each stop settling (or being abandoned) before the next begins.
import { describe, expect, it } from 'vitest';
import { res, resources, since } from '../support/resources.ts';
import { advance, deferred, flatBackoff, flush, makeWarden, T0, track, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('order_of_children', () => {
  it('starts children in the order given, each start settling before the next begins', async () => {
    const gates = { a: deferred<void>(), b: deferred<void>() };
    const { log, agents } = resources(['c', 'b', 'a'], {
      a: { startGate: () => gates.a.promise },
      b: { startGate: () => gates.b.promise },
    });
    // The order of `children`, not of declaration.
    const w = makeWarden({ agents, supervisor: { children: ['a', 'b', 'c'] } });
    const started = track(w.start());
    await flush();
    expect(log).toEqual(['start:a']);
    gates.a.resolve();
    await flush();
    expect(log).toEqual(['start:a', 'start:b']);
    gates.b.resolve();
    await flush();
    expect(log).toEqual(['start:a', 'start:b', 'start:c']);
    expect(started.done).toBe(true);
    // agents() lists them in start order.
    expect(w.agents().map((x) => [x.name, x.lifecycle])).toEqual([
      ['a', 'RUNNING'],
      ['b', 'RUNNING'],
      ['c', 'RUNNING'],
    ]);
  });

  it('without children, the supervisor starts all agents in declaration order', async () => {
    const { log, agents } = resources(['z', 'y', 'x']);
    const w = makeWarden({ agents });
    await w.start();
    expect(log).toEqual(['start:z', 'start:y', 'start:x']);
  });

  it('warden.stop() stops the children in reverse order, one at a time', async () => {
    const { log, r, agents } = resources(['a', 'b', 'c'], { c: { stop: 'hang' }, b: { stop: 'hang' } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await flush();
    expect(since(log, 3)).toEqual(['stop:c']);
    res(r, 'c').stopCalls[0]?.resolve();
    await flush();
    expect(since(log, 3)).toEqual(['stop:c', 'stop:b']);
    res(r, 'b').stopCalls[0]?.resolve();
    await flush();
    expect(since(log, 3)).toEqual(['stop:c', 'stop:b', 'stop:a']);
    expect(stopped.done).toBe(true);
    expect(w.state).toBe('stopped');
    for (const n of ['a', 'b', 'c']) expect(res(r, n).signal().aborted).toBe(true);
  });

  it('a tree starts depth first in order and stops in exactly the reverse order', async () => {
    const { log, agents } = resources(['a', 'b', 'c', 'd', 'e']);
    const w = makeWarden({
      agents,
      supervisor: { children: ['e', { name: 'inner', children: ['b', { name: 'deep', children: ['d'] }, 'a'] }, 'c'] },
    });
    await w.start();
    expect(log).toEqual(['start:e', 'start:b', 'start:d', 'start:a', 'start:c']);
    await w.stop();
    expect(since(log, 5)).toEqual(['stop:c', 'stop:a', 'stop:d', 'stop:b', 'stop:e']);
  });

  it('after a rest_for_one restart the order of children is unchanged at shutdown', async () => {
    const { log, r, agents } = resources(['a', 'b', 'c']);
    const w = makeWarden({ agents, supervisor: { strategy: 'rest_for_one', backoff: flatBackoff(10) } });
    await w.start();
    res(r, 'b').crash();
    await advance(10);
    const mark = log.length;
    await w.stop();
    expect(since(log, mark)).toEqual(['stop:c', 'stop:b', 'stop:a']);
  });
});

describe('sup_stop', () => {
  it('shutdownMs: a stop() that never resolves is abandoned after shutdownMs and warden.stop() still finishes', async () => {
    const { log, r, agents } = resources(['a', 'b'], { b: { stop: 'hang', shutdownMs: 1_000 } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await advance(999);
    expect(stopped.done).toBe(false);
    // The next child in reverse order waits for the abandonment.
    expect(since(log, 2)).toEqual(['stop:b']);
    await advance(1);
    expect(stopped.done).toBe(true);
    expect(since(log, 2)).toEqual(['stop:b', 'stop:a']);
    expect(res(r, 'b').signal().aborted).toBe(true);
    expect(w.state).toBe('stopped');
  });

  it('shutdownMs defaults to 5000', async () => {
    const { agents } = resources(['a'], { a: { stop: 'hang' } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await advance(4_999);
    expect(stopped.done).toBe(false);
    await advance(1);
    expect(stopped.done).toBe(true);
  });

  it('shutdownMs: a stop() that resolves in time is not waited for any longer', async () => {
    const { r, agents } = resources(['a'], { a: { stop: 'hang', shutdownMs: 10_000 } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await advance(300);
    res(r, 'a').stopCalls[0]?.resolve();
    await flush();
    expect(stopped.done).toBe(true);
    expect(Date.now() - T0).toBe(300);
  });

  it('shutdownMs 0: stop() is called and abandoned at once', async () => {
    const { r, agents } = resources(['a'], { a: { stop: 'hang', shutdownMs: 0 } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await flush();
    expect(stopped.done).toBe(true);
    expect(res(r, 'a').stops).toBe(1);
  });

  it("'brutal_kill': stop() is called, its signal aborted, and it is not waited for", async () => {
    const { log, r, agents } = resources(['a', 'b'], { b: { stop: 'hang', shutdownMs: 'brutal_kill' } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await flush();
    expect(stopped.done).toBe(true);
    expect(since(log, 2)).toEqual(['stop:b', 'stop:a']);
    expect(res(r, 'b').signal().aborted).toBe(true);
    expect(Date.now()).toBe(T0);
  });

  it("'infinity': warden.stop() waits for stop() however long it takes", async () => {
    const { log, r, agents } = resources(['a', 'b'], { b: { stop: 'hang', shutdownMs: 'infinity' } });
    const w = makeWarden({ agents });
    await w.start();
    const stopped = track(w.stop());
    await advance(60 * 60_000);
    expect(stopped.done).toBe(false);
    expect(since(log, 2)).toEqual(['stop:b']);
    res(r, 'b').stopCalls[0]?.resolve();
    await flush();
    expect(stopped.done).toBe(true);
    expect(since(log, 2)).toEqual(['stop:b', 'stop:a']);
  });

  it('a stop() that throws or rejects is logged and shutdown goes on', async () => {
    const { log, agents } = resources(['a', 'b'], {
      b: {
        stop: () => {
          throw new Error('stop exploded');
        },
      },
      a: { stop: () => Promise.reject(new Error('stop rejected')) },
    });
    const w = makeWarden({ agents });
    await w.start();
    await w.stop();
    expect(since(log, 2)).toEqual(['stop:b', 'stop:a']);
    expect(w.state).toBe('stopped');
  });

  it('the shutdown setting also bounds a restart: a sibling is not started again before its stop() settles or is abandoned', async () => {
    const { log, r, agents } = resources(['a', 'b'], {
      a: { stop: 'hang', shutdownMs: 1_000 },
      b: { stop: 'hang', shutdownMs: 'infinity' },
    });
    const w = makeWarden({ agents, supervisor: { strategy: 'one_for_all', backoff: flatBackoff(10) } });
    await w.start();
    // a crashes; b is stopped (infinity). The starts and stops of one supervisor's children run one at a
    // time (OTP terminate_children, then start_children): the restart of a, then b, waits for b's stop().
    res(r, 'a').crash();
    await advance(10);
    expect(since(log, 2)).toEqual(['stop:b']);
    await advance(60_000);
    expect(res(r, 'a').starts).toBe(1);
    expect(res(r, 'b').starts).toBe(1);
    res(r, 'b').stopCalls[0]?.resolve();
    await flush();
    expect(since(log, 2)).toEqual(['stop:b', 'start:a', 'start:b']);
    expect(res(r, 'b').starts).toBe(2);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING']);

    // Now b crashes; a is stopped (1000 ms, hangs): both come back, in order, once its stop() is abandoned.
    const mark = log.length;
    res(r, 'b').crash();
    await advance(10);
    expect(since(log, mark)).toEqual(['stop:a']);
    await advance(989);
    expect(res(r, 'a').starts).toBe(2);
    expect(res(r, 'b').starts).toBe(2);
    await advance(1);
    expect(res(r, 'a').starts).toBe(3);
    expect(since(log, mark)).toEqual(['stop:a', 'start:a', 'start:b']);
    expect(w.agents().map((x) => x.lifecycle)).toEqual(['RUNNING', 'RUNNING']);
  });
});
