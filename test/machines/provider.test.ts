// The provider gate machine alone: CLOSE closes until a deadline, a later CLOSE extends it and an
// earlier one does not, the timer opens it at closedUntil, OPEN opens it early, a restored CLOSED
// gate starts closed and RESUME arms only the time left. Every transition on some path.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { providerMachine, type ProviderContext } from '../../machines/provider.ts';
import type { TransitionFact } from '../../src/types.ts';
import { timerEvents, walk } from './graph-walk.ts';

const error = { kind: 'rate_limit' as const, message: 'HTTP 429', status: 429, retryAfterMs: 1_000 };

function gate(snapshotCtx?: ProviderContext) {
  const clock = new SimulatedClock();
  const facts: TransitionFact[] = [];
  // Delays are "deadline minus now" as the runtime provides them.
  const m = providerMachine.provide({ delays: { closedDelay: ({ context }) => Math.max(0, (context.closedUntil ?? 0) - clock.now()) } });
  const snapshot = snapshotCtx ? m.resolveState({ value: { CLOSED: 'waiting' }, context: snapshotCtx }) : undefined;
  const actor = createActor(m, { input: { name: 'openai' }, clock, snapshot });
  actor.on('transition', (e) => facts.push(e.fact));
  actor.start();
  return { actor, clock, facts, at: (ms: number) => clock.increment(ms) };
}

describe('provider gate machine', () => {
  it('closes until the deadline, a later 429 extends it, an earlier one does not, then it opens by itself', () => {
    const g = gate();
    g.actor.send({ type: 'CLOSE', at: 0, until: 1_000, agent: 'coder', error });
    expect(g.actor.getSnapshot().context).toMatchObject({ gate: 'CLOSED', closedUntil: 1_000, closedBy: 'coder' });
    g.at(100);
    g.actor.send({ type: 'CLOSE', at: 100, until: 3_000, agent: 'reviewer', error });
    g.actor.send({ type: 'CLOSE', at: 100, until: 500, agent: 'coder', error });
    expect(g.actor.getSnapshot().context.closedUntil).toBe(3_000);
    g.at(2_899);
    expect(g.actor.getSnapshot().context.gate).toBe('CLOSED');
    g.at(1);
    expect(g.actor.getSnapshot().context).toMatchObject({ gate: 'OPEN', closedUntil: undefined });
    // One record per change of state: the extension is not one.
    expect(g.facts.map((f) => [f.from, f.to, f.event])).toEqual([
      ['OPEN', 'CLOSED', 'CLOSE'],
      ['CLOSED', 'OPEN', 'TIMER'],
    ]);
    expect(g.facts[0]).toMatchObject({ kind: 'provider', id: 'openai', agent: 'coder', closedUntil: 1_000, error });
  });

  it('an operator opens it early; OPEN on an open gate is not taken', () => {
    const g = gate();
    expect(g.actor.getSnapshot().can({ type: 'OPEN' })).toBe(false);
    g.actor.send({ type: 'CLOSE', at: 0, until: 60_000, agent: 'coder', error });
    g.actor.send({ type: 'OPEN', by: 'ada', reason: 'fixed' });
    expect(g.facts.at(-1)).toMatchObject({ from: 'CLOSED', to: 'OPEN', event: 'OPEN', by: 'ada', reason: 'fixed' });
    g.at(60_000);
    expect(g.facts).toHaveLength(2);
  });

  it('a restored CLOSED gate starts closed without a record; RESUME arms only the remaining time', () => {
    const g = gate({ name: 'openai', gate: 'CLOSED', closedAt: 0, closedUntil: 5_000 });
    g.at(4_000);
    g.actor.send({ type: 'RESUME' });
    expect(g.facts).toEqual([]);
    g.at(999);
    expect(g.actor.getSnapshot().context.gate).toBe('CLOSED');
    g.at(1);
    expect(g.actor.getSnapshot().context.gate).toBe('OPEN');
  });

  it('every state and transition is on a path', () => {
    const timers = timerEvents(providerMachine);
    const result = walk(
      providerMachine,
      [{ name: 'p' }],
      () => [
        { type: 'CLOSE', at: 0, until: 1_000, agent: 'a', error },
        { type: 'CLOSE', at: 0, until: 2_000, agent: 'a', error },
        { type: 'OPEN' },
        { type: 'RESUME' },
        ...timers,
      ],
      (s) => JSON.stringify([s.value, s.context.closedUntil]),
      () => [providerMachine.resolveState({ value: 'boot', context: { name: 'p', gate: 'CLOSED', closedAt: 0, closedUntil: 1_000 } })],
    );
    expect(result.unvisited).toEqual([]);
    expect(result.untaken).toEqual([]);
  });
});
