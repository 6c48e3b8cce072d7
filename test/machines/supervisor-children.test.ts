// The supervisor machine's dynamic children, without the runtime: START_CHILD appends a spec and spawns
// it (a pool refuses past max), DELETE_CHILD forgets every trace of a child (its backoff streak and its
// place in a pending restart), a dynamic temporary child that ends is deleted by the machine itself,
// and AUTO_SHUTDOWN follows the significant children. Plus fast-check: shutsDown against its definition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { AgentContext, RestartType } from '../../machines/agent.ts';
import { shutsDown, supervisorMachine, type AgentChildSpec, type SupervisorEmitted, type SupervisorInput } from '../../machines/supervisor.ts';
import type { TransitionFact } from '../../src/types.ts';

const BREAKER = { failureThreshold: 1, windowMs: 1000, openMs: 300, halfOpenProbes: 1, successThreshold: 1 };

function spec(name: string, restart: RestartType = 'permanent', extra: Partial<AgentChildSpec> = {}): AgentChildSpec {
  return { kind: 'agent', name, restart, input: { name, restart, breaker: BREAKER }, ...extra };
}

function boot(over: Partial<SupervisorInput> = {}, children: AgentChildSpec[] = [spec('a')]) {
  const clock = new SimulatedClock();
  const sup = createActor(supervisorMachine, {
    clock,
    input: { name: 'p', strategy: 'one_for_one', maxRestarts: 5, withinMs: 5000, backoff: { initialMs: 100, factor: 1, maxMs: 100, jitter: 'none' }, resetBackoffAfterMs: 60_000, nested: false, children, ...over },
  });
  const facts: TransitionFact[] = [];
  sup.on('transition', (e: SupervisorEmitted) => facts.push(e.fact));
  sup.start();
  const child = (n: string) => sup.getSnapshot().children[n];
  const lifecycle = (n: string) => (child(n)?.getSnapshot().context as AgentContext | undefined)?.lifecycle;
  const up = (n: string) => child(n)?.send({ type: 'STARTED', at: clock.now() });
  const exit = (n: string, crash: boolean) => child(n)?.send({ type: 'EXITED', at: clock.now(), reason: 'x', crash, rand: 0.5 });
  const names = () => sup.getSnapshot().context.children.map((c) => c.name);
  return { sup, clock, facts, child, lifecycle, up, exit, names };
}

describe('START_CHILD and DELETE_CHILD', () => {
  it('START_CHILD appends the spec, spawns the child and records it; a taken name or a full pool changes nothing', () => {
    const h = boot({ pool: { max: 2 } });
    h.sup.send({ type: 'START_CHILD', spec: spec('b'), at: 0 });
    expect(h.names()).toEqual(['a', 'b']);
    expect(h.lifecycle('b')).toBe('STARTING');
    expect(h.facts.at(-1)).toEqual({ kind: 'supervisor', id: 'p', from: 'RUNNING', to: 'RUNNING', event: 'START_CHILD', agent: 'b' });
    const before = h.facts.length;
    h.sup.send({ type: 'START_CHILD', spec: spec('b'), at: 0 });
    h.sup.send({ type: 'START_CHILD', spec: spec('c'), at: 0 });
    expect(h.names()).toEqual(['a', 'b']);
    expect(h.child('c')).toBeUndefined();
    expect(h.facts.length).toBe(before);
  });

  it('DELETE_CHILD stops the actor and forgets its streak and its place in a pending restart', () => {
    const h = boot({ strategy: 'one_for_all' }, [spec('a'), spec('b')]);
    h.up('a');
    h.up('b');
    h.exit('a', true);
    const ctx = h.sup.getSnapshot().context;
    expect(ctx.pendingRestarts).toEqual([{ child: 'a', restartAt: 100, children: ['a', 'b'] }]);
    h.sup.send({ type: 'DELETE_CHILD', child: 'b', at: 0 });
    const after = h.sup.getSnapshot().context;
    expect(after.children.map((c) => c.name)).toEqual(['a']);
    expect(after.pendingRestarts).toEqual([{ child: 'a', restartAt: 100, children: ['a'] }]);
    expect(h.child('b')).toBeUndefined();
    h.sup.send({ type: 'DELETE_CHILD', child: 'a', at: 0 });
    expect(h.sup.getSnapshot().context).toMatchObject({ children: [], pendingRestarts: [], streak: {} });
    expect(h.facts.filter((f) => f.event === 'DELETE_CHILD').map((f) => f.agent)).toEqual(['b', 'a']);
  });

  it('a dynamic temporary child that ends is deleted by the machine; a configured one stays, STOPPED; neither counts toward intensity', () => {
    const dyn = { pool: 'p', def: {}, code: false };
    const h = boot({ maxRestarts: 0 }, [spec('conf', 'temporary'), spec('dyn', 'temporary', { dynamic: dyn })]);
    h.up('conf');
    h.up('dyn');
    h.exit('dyn', true);
    h.exit('conf', false);
    expect(h.names()).toEqual(['conf']);
    expect(h.lifecycle('conf')).toBe('STOPPED');
    expect(h.sup.getSnapshot().context.restartTimes).toEqual([]);
    expect(h.sup.getSnapshot().value).toEqual({ RUNNING: 'steady' });
  });
});

describe('AUTO_SHUTDOWN', () => {
  it('all_significant: the last active significant child ends it; the supervisor stops its children and records AUTO_SHUTDOWN', () => {
    const h = boot({ autoShutdown: 'all_significant' }, [spec('s1', 'transient', { significant: true }), spec('s2', 'temporary', { significant: true }), spec('other')]);
    for (const n of ['s1', 's2', 'other']) h.up(n);
    h.exit('s1', true); // a crash of a transient child: restarted, not done
    expect(h.sup.getSnapshot().value).toEqual({ RUNNING: 'restarting' });
    h.exit('s2', false);
    expect(h.sup.getSnapshot().value).toEqual({ RUNNING: 'restarting' });
    h.clock.increment(100);
    h.up('s1');
    h.exit('s1', false);
    expect(h.sup.getSnapshot().value).toBe('STOPPED');
    expect(h.lifecycle('other')).toBe('STOPPED');
    expect(h.facts.at(-1)).toMatchObject({ from: 'RUNNING', to: 'STOPPED', event: 'AUTO_SHUTDOWN' });
  });
});

describe('shutsDown', () => {
  it('is the OTP rule: never no, any_significant yes, all_significant when no other significant child is alive', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('never', 'any_significant', 'all_significant' as const),
        fc.array(fc.record({ significant: fc.boolean(), alive: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        (mode, kids) => {
          const children = kids.map((k, i) => ({ ...spec(`c${i}`, 'transient'), significant: k.significant }));
          const alive = (n: string) => kids[Number(n.slice(1))]?.alive ?? false;
          const expected = mode === 'any_significant' || (mode === 'all_significant' && !kids.slice(1).some((k) => k.significant && k.alive));
          return shutsDown(mode, children, 'c0', alive) === expected;
        },
      ),
    );
  });
});
