// The supervisor machine with real agent children: restart strategies, backoff, restart intensity.
// Children are driven as the runtime drives them: STARTED when up, EXITED when they crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, type Actor, type AnyActorLogic, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { AgentContext, AgentEmitted, RestartType } from '../../machines/agent.ts';
import {
  supervisorMachine,
  type ChildSpec,
  type RestartStrategy,
  type SupervisorEmitted,
  type SupervisorInput,
} from '../../machines/supervisor.ts';
import type { AgentLifecycle, BackoffOptions, BreakerOptions, TransitionFact } from '../../src/types.ts';

type SupervisorActor = Actor<typeof supervisorMachine>;

/** The supervisor's top-level state (RUNNING has substates: steady, or restarting with deadlines pending). */
function topState(sup: SupervisorActor): string {
  const value = sup.getSnapshot().value;
  return typeof value === 'string' ? value : Object.keys(value)[0]!;
}

const BREAKER: BreakerOptions = { failureThreshold: 1, windowMs: 1000, openMs: 300, halfOpenProbes: 1, successThreshold: 1 };
const BACKOFF: BackoffOptions = { initialMs: 100, factor: 2, maxMs: 1000, jitter: 'none' };

function agentSpec(name: string, restart: RestartType = 'permanent'): ChildSpec {
  return { kind: 'agent', name, restart, input: { name, restart, breaker: BREAKER } };
}

interface Harness {
  sup: SupervisorActor;
  clock: SimulatedClock;
  /** the supervisor's own records */
  supFacts: TransitionFact[];
  /** every child's records, in the order they happened */
  childFacts: TransitionFact[];
  names: string[];
  child(name: string): AnyActorRef;
  ctx(name: string): AgentContext;
  lifecycle(name: string): AgentLifecycle;
  startAll(): void;
  crash(name: string, rand?: number): void;
}

function harness(over: Partial<SupervisorInput> = {}, names: readonly string[] = ['a', 'b', 'c'], restart: Partial<Record<string, RestartType>> = {}): Harness {
  const clock = new SimulatedClock();
  const input: SupervisorInput = {
    name: 'root',
    strategy: 'one_for_one',
    maxRestarts: 3,
    withinMs: 5000,
    backoff: BACKOFF,
    resetBackoffAfterMs: 60_000,
    nested: false,
    children: names.map((n) => agentSpec(n, restart[n])),
    ...over,
  };
  const sup = createActor(supervisorMachine, { clock, input });
  const supFacts: TransitionFact[] = [];
  const childFacts: TransitionFact[] = [];
  sup.on('transition', (e: SupervisorEmitted) => supFacts.push(e.fact));
  sup.start();
  const child = (name: string): AnyActorRef => {
    const ref = sup.getSnapshot().children[name];
    if (!ref) throw new Error(`no child ${name}`);
    return ref;
  };
  for (const n of names) child(n).on('transition', (e: AgentEmitted) => childFacts.push(e.fact));
  const ctx = (name: string) => child(name).getSnapshot().context as AgentContext;
  return {
    sup,
    clock,
    supFacts,
    childFacts,
    names: [...names],
    child,
    ctx,
    lifecycle: (name) => ctx(name).lifecycle,
    startAll() {
      for (const n of names) if (ctx(n).lifecycle === 'STARTING') child(n).send({ type: 'STARTED', at: clock.now() });
    },
    crash(name, rand = 0.5) {
      child(name).send({ type: 'EXITED', at: clock.now(), reason: 'boom', crash: true, rand });
    },
  };
}

const pairs = (facts: readonly TransitionFact[]) => facts.map((f) => `${f.id}:${f.from ?? '∅'}>${f.to}:${f.event}`);
const lifecycles = (h: Harness) => Object.fromEntries(h.names.map((n) => [n, h.lifecycle(n)]));

function started(over: Partial<SupervisorInput> = {}, names?: readonly string[], restart?: Partial<Record<string, RestartType>>): Harness {
  const h = harness(over, names, restart);
  h.startAll();
  h.supFacts.length = 0;
  h.childFacts.length = 0;
  return h;
}

describe('supervisor: one_for_one', () => {
  it('spawns one agent child per spec, each STARTING until it reports STARTED', () => {
    const h = harness();
    expect(h.supFacts).toEqual([{ kind: 'supervisor', id: 'root', from: null, to: 'RUNNING', event: 'INIT' }]);
    expect(Object.keys(h.sup.getSnapshot().children).sort()).toEqual(['a', 'b', 'c']);
    expect(lifecycles(h)).toEqual({ a: 'STARTING', b: 'STARTING', c: 'STARTING' });
    h.startAll();
    expect(lifecycles(h)).toEqual({ a: 'RUNNING', b: 'RUNNING', c: 'RUNNING' });
    expect(pairs(h.childFacts)).toEqual(['a:STARTING>RUNNING:STARTED', 'b:STARTING>RUNNING:STARTED', 'c:STARTING>RUNNING:STARTED']);
  });

  it('restarts only the crashed child, after the backoff delay', () => {
    const h = started();
    h.clock.increment(1000);
    h.crash('b');
    expect(lifecycles(h)).toEqual({ a: 'RUNNING', b: 'RESTARTING', c: 'RUNNING' });
    // The supervisor owns the restart's timer: the child is held until its RESTART_NOW.
    expect(h.child('b').getSnapshot().value).toEqual({ circuit: 'CLOSED', lifecycle: { RESTARTING: 'held' } });
    expect(h.ctx('b').restartAt).toBe(1100);
    expect(h.supFacts).toEqual([{ kind: 'supervisor', id: 'root', from: 'RUNNING', to: 'RUNNING', event: 'RESTART', agent: 'b' }]);
    h.clock.increment(99);
    expect(h.lifecycle('b')).toBe('RESTARTING');
    h.clock.increment(1);
    expect(lifecycles(h)).toEqual({ a: 'RUNNING', b: 'STARTING', c: 'RUNNING' });
    expect(h.ctx('b').restarts).toBe(1);
    expect(pairs(h.childFacts)).toEqual(['b:RUNNING>RESTARTING:EXITED', 'b:RESTARTING>STARTING:RESTART_NOW']);
    h.startAll();
    expect(lifecycles(h)).toEqual({ a: 'RUNNING', b: 'RUNNING', c: 'RUNNING' });
  });

  it('the delay grows exponentially with consecutive crashes, up to maxMs', () => {
    const h = started({ maxRestarts: 100, withinMs: 10 });
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = h.clock.now();
      h.crash('a');
      let waited = 0;
      while (h.lifecycle('a') === 'RESTARTING') {
        h.clock.increment(1);
        waited += 1;
      }
      expect(h.lifecycle('a')).toBe('STARTING');
      seen.push(waited);
      expect(h.ctx('a').restartAt).toBe(t0 + waited);
      h.startAll();
      h.clock.increment(5);
    }
    expect(seen).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('a child that stays up resetBackoffAfterMs starts over at initialMs', () => {
    const h = started({ maxRestarts: 100, withinMs: 10, resetBackoffAfterMs: 2000 });
    h.crash('a');
    h.clock.increment(100);
    h.startAll();
    h.crash('a');
    expect(h.ctx('a').restartAt).toBe(h.clock.now() + 200);
    h.clock.increment(200);
    h.startAll();
    h.clock.increment(2000); // up for resetBackoffAfterMs
    h.crash('a');
    expect(h.ctx('a').restartAt).toBe(h.clock.now() + 100);
  });

  // Up resetBackoffAfterMs counted from the crash, but 1 ms short of it counted from the restart: no reset.
  it('the time up is measured from the restart (restartAt), not from the crash', () => {
    const h = started({ maxRestarts: 100, withinMs: 10, resetBackoffAfterMs: 2000 });
    h.crash('a'); // at 0: restartAt 100
    expect(h.ctx('a').restartAt).toBe(100);
    h.clock.set(100);
    h.startAll();
    h.clock.set(2099); // 2099 ms after the crash, 1999 ms after the restart
    h.crash('a');
    expect(h.ctx('a').restartAt).toBe(2099 + 200);
    h.clock.set(2299);
    h.startAll();
    h.clock.set(2299 + 2000); // exactly resetBackoffAfterMs after the restart
    h.crash('a');
    expect(h.ctx('a').restartAt).toBe(h.clock.now() + 100);
  });

  // The streak is measured from the restart: the backoff wait itself is not time spent running.
  it('a child that crashes right after every restart never has its backoff reset', () => {
    const h = started({ maxRestarts: 100, withinMs: 10, resetBackoffAfterMs: 1000, backoff: { ...BACKOFF, maxMs: 100_000 } });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = h.clock.now();
      h.crash('a');
      const restartAt = h.ctx('a').restartAt ?? Number.NaN;
      delays.push(restartAt - t0);
      h.clock.set(restartAt);
      h.startAll();
      h.clock.increment(1); // up for 1 ms only
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400]);
  });
});

describe('supervisor: restart intensity', () => {
  it('more than maxRestarts crashes within withinMs: supervisor ESCALATED, culprit ESCALATED, others STOPPED', () => {
    const h = started({ maxRestarts: 2, withinMs: 1000, backoff: { ...BACKOFF, initialMs: 10, maxMs: 10 } });
    for (let i = 0; i < 2; i++) {
      h.crash('b');
      h.clock.increment(10);
      h.startAll();
      expect(topState(h.sup)).toBe('RUNNING');
    }
    h.childFacts.length = 0;
    h.supFacts.length = 0;
    h.crash('b');
    expect(topState(h.sup)).toBe('ESCALATED');
    expect(h.sup.getSnapshot().context.escalatedAt).toBe(h.clock.now());
    expect(h.supFacts).toEqual([{ kind: 'supervisor', id: 'root', from: 'RUNNING', to: 'ESCALATED', event: 'CHILD_EXIT' }]);
    expect(lifecycles(h)).toEqual({ a: 'STOPPED', b: 'ESCALATED', c: 'STOPPED' });
    // The others are stopped in reverse start order. (The culprit's verdict lands after its own
    // exit transition has finished, so its place among them is an artefact of mailbox order.)
    expect(pairs(h.childFacts.filter((f) => f.id !== 'b'))).toEqual(['c:RUNNING>STOPPED:STOP', 'a:RUNNING>STOPPED:STOP']);
    expect(pairs(h.childFacts.filter((f) => f.id === 'b'))).toEqual(['b:RUNNING>RESTARTING:EXITED', 'b:RESTARTING>ESCALATED:ESCALATE']);
    // Nothing comes back on its own.
    h.clock.increment(100_000);
    expect(lifecycles(h)).toEqual({ a: 'STOPPED', b: 'ESCALATED', c: 'STOPPED' });
  });

  it('intensity counts restarts of all children together', () => {
    const h = started({ maxRestarts: 2, withinMs: 1000 });
    h.crash('a');
    h.crash('b');
    expect(topState(h.sup)).toBe('RUNNING');
    h.crash('c');
    expect(topState(h.sup)).toBe('ESCALATED');
    expect(lifecycles(h)).toEqual({ a: 'STOPPED', b: 'STOPPED', c: 'ESCALATED' });
  });

  it('a restart exactly withinMs ago has left the window', () => {
    const h = started({ maxRestarts: 1, withinMs: 100, backoff: { ...BACKOFF, initialMs: 10, maxMs: 10 } });
    h.crash('a');
    h.clock.increment(10);
    h.startAll();
    h.clock.increment(89);
    h.crash('b'); // 99 ms after the first: inside
    expect(topState(h.sup)).toBe('ESCALATED');

    const g = started({ maxRestarts: 1, withinMs: 100, backoff: { ...BACKOFF, initialMs: 10, maxMs: 10 } });
    g.crash('a');
    g.clock.increment(10);
    g.startAll();
    g.clock.increment(90);
    g.crash('b'); // exactly 100 ms after the first: outside
    expect(topState(g.sup)).toBe('RUNNING');
  });

  const strategyArb = fc.constantFrom<RestartStrategy>('one_for_one', 'one_for_all', 'rest_for_one');

  it('crashes farther apart than withinMs never escalate (property)', () => {
    fc.assert(
      fc.property(
        strategyArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 20, max: 500 }),
        fc.array(fc.record({ child: fc.nat(2), extra: fc.nat(300), rand: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }), {
          minLength: 1,
          maxLength: 15,
        }),
        (strategy, maxRestarts, withinMs, crashes) => {
          // Every restart completes before the next crash: the longest delay is below withinMs.
          const backoff: BackoffOptions = { initialMs: 1, factor: 2, maxMs: withinMs - 1, jitter: 'full' };
          const h = started({ strategy, maxRestarts, withinMs, backoff });
          let last = -withinMs;
          for (const c of crashes) {
            const at = last + withinMs + c.extra;
            h.clock.set(at);
            h.startAll();
            const name = h.names[c.child] ?? 'a';
            expect(h.lifecycle(name)).toBe('RUNNING');
            h.crash(name, c.rand);
            last = at;
            expect(topState(h.sup)).toBe('RUNNING');
            expect(h.lifecycle(name)).toBe('RESTARTING');
          }
          expect(h.supFacts.every((f) => f.to === 'RUNNING')).toBe(true);
          expect(h.supFacts).toHaveLength(crashes.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('maxRestarts + 1 crashes within withinMs escalate on the last one, not before (property)', () => {
    fc.assert(
      fc.property(
        strategyArb,
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.record({ child: fc.nat(2), gap: fc.nat(15) }), { minLength: 5, maxLength: 5 }),
        (strategy, maxRestarts, crashes) => {
          const backoff: BackoffOptions = { initialMs: 1, factor: 1, maxMs: 1, jitter: 'none' };
          const h = started({ strategy, maxRestarts, withinMs: 100, backoff });
          const culprits = crashes.slice(0, maxRestarts + 1);
          culprits.forEach((c, i) => {
            h.clock.increment(1 + c.gap); // the 1 ms restart is over
            h.startAll();
            const name = h.names[c.child] ?? 'a';
            h.crash(name);
            const last = i === maxRestarts;
            expect(topState(h.sup)).toBe(last ? 'ESCALATED' : 'RUNNING');
            if (last) {
              expect(h.lifecycle(name)).toBe('ESCALATED');
              for (const other of h.names.filter((n) => n !== name)) expect(h.lifecycle(other)).toBe('STOPPED');
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('supervisor: the intensity window edge', () => {
  it('the (maxRestarts + 1)th crash escalates at first + withinMs - 1, not at first + withinMs or + 1 (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RestartStrategy>('one_for_one', 'one_for_all', 'rest_for_one'),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 20, max: 300 }),
        fc.constantFrom(-1, 0, 1),
        fc.nat(2),
        (strategy, maxRestarts, withinMs, delta, child) => {
          const backoff: BackoffOptions = { initialMs: 1, factor: 1, maxMs: 1, jitter: 'none' };
          const h = started({ strategy, maxRestarts, withinMs, backoff });
          const name = h.names[child] ?? 'a';
          const first = 1_000;
          // maxRestarts crashes 2 ms apart (each restart takes 1 ms), the first at `first`
          for (let k = 0; k < maxRestarts; k++) {
            h.clock.set(first + 2 * k);
            h.startAll();
            h.crash(name);
            expect(topState(h.sup)).toBe('RUNNING');
          }
          // one more exactly at the edge where the first crash leaves the window
          h.clock.set(first + withinMs + delta);
          h.startAll();
          h.crash(name);
          expect(topState(h.sup)).toBe(delta < 0 ? 'ESCALATED' : 'RUNNING');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('supervisor: one_for_all and rest_for_one', () => {
  it('one_for_all restarts every child; siblings get HALT (in reverse start order) and never ask the supervisor', () => {
    const h = started({ strategy: 'one_for_all' });
    h.crash('b');
    expect(lifecycles(h)).toEqual({ a: 'RESTARTING', b: 'RESTARTING', c: 'RESTARTING' });
    expect(h.sup.getSnapshot().context.restartTimes).toEqual([0]);
    expect(h.supFacts).toHaveLength(1);
    expect(pairs(h.childFacts)).toEqual(['b:RUNNING>RESTARTING:EXITED', 'c:RUNNING>RESTARTING:HALT', 'a:RUNNING>RESTARTING:HALT']);
    for (const n of h.names) {
      expect(h.ctx(n).restartAt).toBe(100);
      expect(h.child(n).getSnapshot().value).toEqual({ circuit: 'CLOSED', lifecycle: { RESTARTING: 'held' } });
    }
    h.clock.increment(99);
    expect(lifecycles(h)).toEqual({ a: 'RESTARTING', b: 'RESTARTING', c: 'RESTARTING' });
    h.childFacts.length = 0;
    h.clock.increment(1);
    expect(lifecycles(h)).toEqual({ a: 'STARTING', b: 'STARTING', c: 'STARTING' });
    // One timer for the whole restart: the children come back in start order.
    expect(pairs(h.childFacts)).toEqual([
      'a:RESTARTING>STARTING:RESTART_NOW',
      'b:RESTARTING>STARTING:RESTART_NOW',
      'c:RESTARTING>STARTING:RESTART_NOW',
    ]);
    for (const n of h.names) expect(h.ctx(n).restarts).toBe(1);
    expect(h.supFacts).toHaveLength(1);
  });

  it.each([
    ['a', { a: 'RESTARTING', b: 'RESTARTING', c: 'RESTARTING' }],
    ['b', { a: 'RUNNING', b: 'RESTARTING', c: 'RESTARTING' }],
    ['c', { a: 'RUNNING', b: 'RUNNING', c: 'RESTARTING' }],
  ] as const)('rest_for_one: a crash of %s restarts it and the children started after it', (name, expected) => {
    const h = started({ strategy: 'rest_for_one' });
    h.crash(name);
    expect(lifecycles(h)).toEqual(expected);
    h.clock.increment(100);
    const after = Object.fromEntries(Object.entries(expected).map(([n, l]) => [n, l === 'RESTARTING' ? 'STARTING' : 'RUNNING']));
    expect(lifecycles(h)).toEqual(after);
    const restarted = Object.entries(expected)
      .filter(([, l]) => l === 'RESTARTING')
      .map(([n]) => n);
    // The crashed child exits; the survivors after it are halted in reverse start order.
    expect(h.childFacts.filter((f) => f.to === 'RESTARTING').map((f) => `${f.id}:${f.event}`)).toEqual([
      `${name}:EXITED`,
      ...restarted
        .filter((n) => n !== name)
        .reverse()
        .map((n) => `${n}:HALT`),
    ]);
    // All of them come back together, in start order.
    expect(h.childFacts.filter((f) => f.to === 'STARTING').map((f) => `${f.id}:${f.from}>${f.to}:${f.event}`)).toEqual(
      restarted.map((n) => `${n}:RESTARTING>STARTING:RESTART_NOW`),
    );
  });

  it('a temporary bystander is stopped, not restarted', () => {
    const h = started({ strategy: 'one_for_all' }, ['a', 'b', 'c'], { c: 'temporary' });
    h.crash('a');
    expect(lifecycles(h)).toEqual({ a: 'RESTARTING', b: 'RESTARTING', c: 'STOPPED' });
    expect(pairs(h.childFacts)).toEqual(['a:RUNNING>RESTARTING:EXITED', 'c:RUNNING>STOPPED:STOP', 'b:RUNNING>RESTARTING:HALT']);
    h.clock.increment(100);
    expect(lifecycles(h)).toEqual({ a: 'STARTING', b: 'STARTING', c: 'STOPPED' });
    expect(h.sup.getSnapshot().context.restartTimes).toEqual([0]);
  });

  it('a transient child that exits normally stays stopped and costs no restart', () => {
    const h = started({}, ['a', 'b', 'c'], { a: 'transient' });
    h.child('a').send({ type: 'EXITED', at: 0, reason: 'normal', crash: false, rand: 0.5 });
    expect(h.lifecycle('a')).toBe('STOPPED');
    expect(h.sup.getSnapshot().context.restartTimes).toEqual([]);
    h.crash('b');
    expect(h.lifecycle('b')).toBe('RESTARTING');
  });

  it('STOP stops every child in reverse start order', () => {
    const h = started();
    h.sup.send({ type: 'STOP', at: 0 });
    expect(topState(h.sup)).toBe('STOPPED');
    expect(pairs(h.childFacts)).toEqual(['c:RUNNING>STOPPED:STOP', 'b:RUNNING>STOPPED:STOP', 'a:RUNNING>STOPPED:STOP']);
    expect(pairs(h.supFacts)).toEqual(['root:RUNNING>STOPPED:STOP']);
  });
});

describe('supervisor: transition records', () => {
  it('every lifecycle and circuit change of a child is recorded once, each starting where the last ended', () => {
    const h = started({ strategy: 'one_for_one' });
    const a = h.child('a');
    // Trip a's breaker (threshold 1), let it go HALF_OPEN, close it with a probe.
    a.send({ type: 'ACQUIRE', at: 0 });
    a.send({ type: 'RELEASE', at: 0, outcome: 'failure', epoch: h.ctx('a').epoch });
    h.clock.increment(300);
    a.send({ type: 'ACQUIRE', at: 300 });
    a.send({ type: 'RELEASE', at: 300, outcome: 'success', epoch: h.ctx('a').epoch });
    // Crash and restart it.
    h.crash('a');
    h.clock.increment(100);
    h.startAll();
    expect(pairs(h.childFacts)).toEqual([
      'a:CLOSED>OPEN:RELEASE',
      'a:OPEN>HALF_OPEN:TIMER',
      'a:HALF_OPEN>CLOSED:RELEASE',
      'a:RUNNING>RESTARTING:EXITED',
      'a:RESTARTING>STARTING:RESTART_NOW',
      'a:STARTING>RUNNING:STARTED',
    ]);
    for (const f of h.childFacts) expect(f).toMatchObject({ kind: 'agent', id: 'a', agent: 'a' });
    expect(pairs(h.supFacts)).toEqual(['root:RUNNING>RUNNING:RESTART']);
  });

  it('records chain per region across a random crash history', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RestartStrategy>('one_for_one', 'one_for_all', 'rest_for_one'),
        fc.array(fc.record({ child: fc.nat(2), wait: fc.nat(400) }), { minLength: 1, maxLength: 12 }),
        (strategy, crashes) => {
          const h = harness({ strategy, maxRestarts: 4, withinMs: 500 });
          const supBefore = h.supFacts.length;
          h.startAll();
          for (const c of crashes) {
            const name = h.names[c.child] ?? 'a';
            const l = h.lifecycle(name);
            if (l === 'RUNNING' || l === 'STARTING') h.crash(name);
            h.clock.increment(c.wait);
            h.startAll();
          }
          // Per child and region, each record's `from` is the previous record's `to`.
          for (const n of h.names) {
            const lifecycle = h.childFacts.filter((f) => f.id === n && ['STARTING', 'RUNNING', 'RESTARTING', 'STOPPED', 'ESCALATED'].includes(f.to));
            let prev: string = 'STARTING';
            for (const f of lifecycle) {
              expect(f.from).toBe(prev);
              prev = f.to;
            }
            expect(prev).toBe(h.lifecycle(n));
          }
          let status = 'RUNNING';
          for (const f of h.supFacts.slice(supBefore)) {
            expect(f.from).toBe(status);
            status = f.to;
          }
          expect(status).toBe(topState(h.sup));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('supervisor inspection', () => {
  it('streams @xstate.actor for the supervisor and each spawned agent, and the children\'s reports', () => {
    const events: InspectionEvent[] = [];
    const clock = new SimulatedClock();
    const input: SupervisorInput = {
      name: 'root',
      strategy: 'one_for_one',
      maxRestarts: 3,
      withinMs: 5000,
      backoff: BACKOFF,
      resetBackoffAfterMs: 60_000,
      nested: false,
      children: ['a', 'b'].map((n) => agentSpec(n)),
    };
    const sup = createActor(supervisorMachine, { clock, input, inspect: (ev) => events.push(ev) });
    sup.start();
    const kids = sup.getSnapshot().children;
    const a = kids['a'];
    const b = kids['b'];
    if (!a || !b) throw new Error('children not spawned');
    const actorEvents = events.filter((e) => e.type === '@xstate.actor');
    expect(actorEvents.map((e) => e.actorRef)).toEqual(expect.arrayContaining([sup, a, b]));
    expect(actorEvents).toHaveLength(3);
    expect(actorEvents.every((e) => e.rootId === sup.sessionId)).toBe(true);
    // Children are registered in the system under their systemId.
    expect(sup.system.get('agent:a')).toBe(a);
    expect(sup.system.get('agent:b')).toBe(b);

    a.send({ type: 'STARTED', at: 0 });
    a.send({ type: 'EXITED', at: 0, reason: 'boom', crash: true, rand: 0.5 });
    const report = events.find((e) => e.type === '@xstate.event' && e.event.type === 'CHILD_EXIT');
    expect(report).toMatchObject({ actorRef: sup, sourceRef: a, event: { type: 'CHILD_EXIT', child: 'a', at: 0, reason: 'boom', crash: true } });
    const verdict = events.find((e) => e.type === '@xstate.event' && e.event.type === 'RESTART_AT');
    expect(verdict).toMatchObject({ actorRef: a, sourceRef: sup, event: { restartAt: 100 } });
    const aSnapshots = events.filter((e) => e.type === '@xstate.snapshot' && e.actorRef === a);
    expect(aSnapshots.length).toBeGreaterThanOrEqual(3);
  });
});

describe('supervisor tree', () => {
  const SUB: SupervisorInput = {
    name: 'sub',
    strategy: 'one_for_all',
    maxRestarts: 1,
    withinMs: 1000,
    backoff: { ...BACKOFF, initialMs: 10, maxMs: 10 },
    resetBackoffAfterMs: 60_000,
    nested: true,
    children: [agentSpec('y'), agentSpec('z')],
  };

  function tree(over: Partial<SupervisorInput> = {}) {
    const clock = new SimulatedClock();
    // As the runtime does: a nested supervisor runs this same machine, filled in after creation.
    const machine = supervisorMachine.provide({});
    (machine.implementations.actors as Record<string, AnyActorLogic>).supervisor = machine;
    const sub = SUB;
    const root: SupervisorInput = {
      name: 'root',
      strategy: 'one_for_one',
      maxRestarts: 3,
      withinMs: 1000,
      backoff: BACKOFF,
      resetBackoffAfterMs: 60_000,
      nested: false,
      children: [agentSpec('x'), { kind: 'supervisor', name: 'sub', restart: 'permanent', input: sub }],
      ...over,
    };
    const actor = createActor(machine, { clock, input: root });
    actor.start();
    const get = (systemId: string): AnyActorRef => {
      const ref = actor.system.get(systemId) as AnyActorRef | undefined;
      if (!ref) throw new Error(`no ${systemId}`);
      return ref;
    };
    const status = (ref: AnyActorRef) => (ref.getSnapshot() as { context: { status?: string; lifecycle?: string } }).context;
    return { actor, clock, get, status };
  }

  it('a nested supervisor that gives up is one crashed child to its parent, which restarts the subtree', () => {
    const t = tree();
    const x = t.get('agent:x');
    const sub = t.get('supervisor:sub');
    const y = t.get('agent:y');
    const z = t.get('agent:z');
    for (const a of [x, y, z]) a.send({ type: 'STARTED', at: 0 });
    const subFacts: TransitionFact[] = [];
    sub.on('transition', (e: SupervisorEmitted) => subFacts.push(e.fact));

    y.send({ type: 'EXITED', at: 0, reason: 'boom', crash: true, rand: 0.5 });
    expect(t.status(sub).status).toBe('RUNNING');
    t.clock.increment(10);
    for (const a of [y, z]) a.send({ type: 'STARTED', at: 10 });
    y.send({ type: 'EXITED', at: 10, reason: 'boom', crash: true, rand: 0.5 });
    // sub exceeded its intensity: it escalates, and its parent restarts it after the root's backoff.
    expect(t.status(y).lifecycle).toBe('ESCALATED');
    expect(t.status(z).lifecycle).toBe('STOPPED');
    expect(t.status(sub).status).toBe('RESTARTING');
    expect(t.status(t.actor).status).toBe('RUNNING');
    expect(t.actor.getSnapshot().context.restartTimes).toEqual([10]);
    expect(t.status(x).lifecycle).toBe('RUNNING');
    t.clock.increment(99);
    expect(t.status(sub).status).toBe('RESTARTING');
    t.clock.increment(1);
    expect(t.status(sub).status).toBe('RUNNING');
    expect(t.status(y).lifecycle).toBe('STARTING');
    expect(t.status(z).lifecycle).toBe('STARTING');
    expect(pairs(subFacts)).toEqual(['sub:RUNNING>RUNNING:RESTART', 'sub:RUNNING>ESCALATED:CHILD_EXIT', 'sub:ESCALATED>RESTARTING:RESTART_AT', 'sub:RESTARTING>RUNNING:RESTART_NOW']);
    // A fresh intensity window after the restart.
    expect(t.status(sub)).toMatchObject({ status: 'RUNNING' });
    expect((sub.getSnapshot() as { context: { restartTimes: number[] } }).context.restartTimes).toEqual([]);
  });

  it('a sibling\'s crash halts a nested supervisor (its children stopped in reverse) and RESTART_NOW starts them in order', () => {
    const t = tree({ strategy: 'one_for_all', children: [agentSpec('x'), { kind: 'supervisor', name: 'sub', restart: 'permanent', input: { ...SUB, strategy: 'one_for_one' } }, agentSpec('w')] });
    const refs = Object.fromEntries(['x', 'y', 'z', 'w'].map((n) => [n, t.get(`agent:${n}`)]));
    const sub = t.get('supervisor:sub');
    for (const a of Object.values(refs)) a.send({ type: 'STARTED', at: 0 });
    const facts: TransitionFact[] = [];
    for (const ref of [...Object.values(refs), sub]) ref.on('transition', (e: SupervisorEmitted) => facts.push(e.fact));

    refs['x']?.send({ type: 'EXITED', at: 0, reason: 'boom', crash: true, rand: 0.5 });
    // Reverse start order: w is halted, then sub (which stops z, then y).
    expect(pairs(facts)).toEqual([
      'x:RUNNING>RESTARTING:EXITED',
      'w:RUNNING>RESTARTING:HALT',
      'z:RUNNING>STOPPED:STOP',
      'y:RUNNING>STOPPED:STOP',
      'sub:RUNNING>RESTARTING:HALT',
    ]);
    expect(t.status(sub).status).toBe('RESTARTING');
    expect(t.actor.getSnapshot().context.restartTimes).toEqual([0]);
    facts.length = 0;
    // The nested supervisor has no timer of its own: only the parent's RESTART_NOW brings it back.
    t.clock.increment(99);
    expect(facts).toEqual([]);
    t.clock.increment(1);
    // Start order: x, then sub (START to its stopped children, in order), then w.
    expect(pairs(facts)).toEqual([
      'x:RESTARTING>STARTING:RESTART_NOW',
      'y:STOPPED>STARTING:START',
      'z:STOPPED>STARTING:START',
      'sub:RESTARTING>RUNNING:RESTART_NOW',
      'w:RESTARTING>STARTING:RESTART_NOW',
    ]);
    expect(['x', 'y', 'z', 'w'].map((n) => t.status(refs[n] as AnyActorRef).lifecycle)).toEqual(['STARTING', 'STARTING', 'STARTING', 'STARTING']);
    // Not a restart of sub's own: its window stays empty.
    expect((sub.getSnapshot() as { context: { restartTimes: number[] } }).context.restartTimes).toEqual([]);
  });
});

describe('supervisor: strategies and restart deadlines in the statechart', () => {
  it('CHILD_EXIT in RUNNING is five guarded transitions the inspector can draw: final (no restart), exceeds, then one per strategy', () => {
    const transitions = supervisorMachine.root.states.RUNNING!.on.CHILD_EXIT ?? [];
    const shown = transitions.map((t) => ({
      guard: typeof t.guard === 'object' && t.guard && 'type' in t.guard ? t.guard.type : t.guard,
      params: t.actions.map((a) => (typeof a === 'object' && a && 'params' in a ? a.params : undefined)).filter(Boolean),
      target: t.target?.map((s) => s.id),
    }));
    expect(shown).toEqual([
      { guard: 'final', params: [], target: undefined },
      { guard: 'exceeds', params: [], target: ['supervisor.ESCALATED'] },
      { guard: 'oneForOne', params: ['one_for_one'], target: ['supervisor.RUNNING.restarting'] },
      { guard: 'oneForAll', params: ['one_for_all'], target: ['supervisor.RUNNING.restarting'] },
      { guard: 'restForOne', params: ['rest_for_one'], target: ['supervisor.RUNNING.restarting'] },
    ]);
  });

  it('keeps each restart as a deadline in context, earliest first, and clears it when it falls due', () => {
    const h = started({ strategy: 'one_for_one', backoff: { initialMs: 100, factor: 4, maxMs: 10_000, jitter: 'none' } });
    h.crash('a'); // a: 100 ms
    h.clock.increment(10);
    h.crash('b'); // b: 100 ms, due at 110
    expect(h.sup.getSnapshot().context.pendingRestarts).toEqual([
      { child: 'a', restartAt: 100, children: ['a'] },
      { child: 'b', restartAt: 110, children: ['b'] },
    ]);
    expect(h.sup.getSnapshot().matches({ RUNNING: 'restarting' })).toBe(true);
    h.clock.increment(90);
    expect(h.sup.getSnapshot().context.pendingRestarts.map((p) => p.child)).toEqual(['b']);
    expect(h.lifecycle('a')).toBe('STARTING');
    h.clock.increment(10);
    expect(h.sup.getSnapshot().context.pendingRestarts).toEqual([]);
    expect(h.sup.getSnapshot().matches({ RUNNING: 'steady' })).toBe(true);
    expect(h.lifecycle('b')).toBe('STARTING');
  });

  it('arms its timer through the provided restartDelay (the runtime computes deadline minus now)', () => {
    const clock = new SimulatedClock();
    const asked: number[] = [];
    const machine = supervisorMachine.provide({
      delays: {
        restartDelay: ({ context }) => {
          const due = context.pendingRestarts[0]?.restartAt ?? 0;
          asked.push(due);
          return 5; // whatever the runtime says is left
        },
      },
    });
    const sup = createActor(machine, {
      clock,
      input: { name: 'root', strategy: 'one_for_one', maxRestarts: 3, withinMs: 5000, backoff: BACKOFF, resetBackoffAfterMs: 60_000, nested: false, children: [agentSpec('a')] },
    }).start();
    const a = sup.getSnapshot().children.a!;
    a.send({ type: 'STARTED', at: 0 });
    a.send({ type: 'EXITED', at: 0, reason: 'boom', crash: true, rand: 0.5 });
    expect(asked).toEqual([100]);
    clock.increment(5);
    expect(sup.getSnapshot().context.pendingRestarts).toEqual([]);
    sup.stop();
  });
});
