// The stepper runs a machine as an Actor would: entry effects on start, events an instance sends
// itself queued behind the current step, events to another instance taken at once, delayed
// transitions on the given clock, and nothing after stop. Each case runs the same script on a full
// Actor too, so a difference between the two fails here.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assign, createActor, emit, setup, SimulatedClock, type EventObject } from 'xstate';
import { createStepper } from '../../src/runtime/machine-stepper.ts';

type Ev = { type: 'GO' } | { type: 'BACK' } | { type: 'PING'; n: number };

const machine = setup({
  types: { context: {} as { n: number }, events: {} as Ev, input: {} as { n: number }, emitted: {} as { type: 'entered'; state: string; n: number } },
}).createMachine({
  id: 'm',
  context: ({ input }) => ({ n: input.n }),
  initial: 'a',
  states: {
    a: {
      entry: emit(({ context }) => ({ type: 'entered' as const, state: 'a', n: context.n })),
      on: { GO: 'b', PING: { actions: assign(({ context, event }) => ({ n: context.n + event.n })) } },
    },
    b: {
      entry: emit(({ context }) => ({ type: 'entered' as const, state: 'b', n: context.n })),
      after: { 50: 'c' },
      on: { BACK: 'a' },
    },
    c: { type: 'final', entry: emit(({ context }) => ({ type: 'entered' as const, state: 'c', n: context.n })) },
  },
});

interface Handle {
  send(e: Ev): void;
  getSnapshot(): { value: unknown; status: string; context: { n: number } };
  start(): unknown;
  stop(): unknown;
}

/** Two instances of the machine, on a full Actor or on the stepper, their effects logged in order. */
function pair(kind: 'actor' | 'stepper', react: (log: string[], who: string, e: EventObject, peers: Record<string, Handle>) => void) {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const peers: Record<string, Handle> = {};
  const onEmit = (who: string) => (e: EventObject) => {
    const { state, n } = e as unknown as { state: string; n: number };
    log.push(`${who}:${state}:${n}`);
    react(log, who, e, peers);
  };
  if (kind === 'stepper') {
    const stepper = createStepper(machine, { clock, emit: (self, e) => onEmit(self.id)(e) });
    peers.x = stepper.create('x', { n: 1 });
    peers.y = stepper.create('y', { n: 10 });
  } else {
    for (const [who, n] of [['x', 1], ['y', 10]] as const) {
      const a = createActor(machine, { input: { n }, clock });
      a.on('*', onEmit(who));
      peers[who] = a;
    }
  }
  return { clock, log, peers };
}

const kinds = ['actor', 'stepper'] as const;

/** A reaction that runs `act` the first time instance `who` enters `state`. */
function onceEntering(who: string, state: string, act: (log: string[], peers: Record<string, Handle>) => void) {
  let done = false;
  return (log: string[], w: string, e: EventObject, peers: Record<string, Handle>) => {
    if (done || w !== who || (e as unknown as { state: string }).state !== state) return;
    done = true;
    act(log, peers);
  };
}

describe('machine stepper, alike a full Actor', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(kinds)('%s: entry effects wait for start; an event sent before start is taken after them', (kind) => {
    const { log, peers } = pair(kind, () => {});
    const x = peers.x as Handle;
    expect(log).toEqual([]);
    x.send({ type: 'PING', n: 5 });
    x.start();
    expect(log).toEqual(['x:a:1']);
    expect(x.getSnapshot().context.n).toBe(6);
  });

  it.each(kinds)('%s: an event an instance sends itself from an effect waits for the step to end; one to a peer is taken at once', (kind) => {
    const { log, peers } = pair(kind, onceEntering('x', 'b', (l, p) => {
      p.x?.send({ type: 'BACK' }); // queued: x is mid-step
      p.y?.send({ type: 'GO' }); // taken now
      l.push(`x sees y in ${String(p.y?.getSnapshot().value)}, itself in ${String(p.x?.getSnapshot().value)}`);
    }));
    peers.x?.start();
    peers.y?.start();
    log.length = 0;
    peers.x?.send({ type: 'GO' });
    expect(log).toEqual(['x:b:1', 'y:b:10', 'x sees y in b, itself in b', 'x:a:1']);
    expect(peers.x?.getSnapshot().value).toBe('a');
  });

  it.each(kinds)('%s: an event the entry effects of start() send the instance itself waits until they have run', (kind) => {
    const { log, peers } = pair(kind, onceEntering('x', 'a', (l, p) => {
      p.x?.send({ type: 'GO' });
      l.push(`x sees itself in ${String(p.x?.getSnapshot().value)}`);
    }));
    peers.x?.start();
    expect(log).toEqual(['x:a:1', 'x sees itself in a', 'x:b:1']);
  });

  it.each(kinds)('%s: queued events are taken oldest first, before any an earlier one queues', (kind) => {
    const { log, peers } = pair(kind, onceEntering('x', 'b', (_l, p) => p.x?.send({ type: 'BACK' })));
    const x = peers.x as Handle;
    x.send({ type: 'GO' });
    x.send({ type: 'PING', n: 5 }); // taken in b, where it means nothing; after BACK it would add 5
    x.start();
    expect(log).toEqual(['x:a:1', 'x:b:1', 'x:a:1']);
    expect(x.getSnapshot().context.n).toBe(1);
  });

  it.each(kinds)('%s: a delayed transition fires on the clock, once; leaving the state cancels it', (kind) => {
    const { clock, log, peers } = pair(kind, () => {});
    const x = peers.x as Handle;
    x.start();
    x.send({ type: 'GO' });
    clock.increment(49);
    x.send({ type: 'BACK' });
    clock.increment(100);
    expect(x.getSnapshot().value).toBe('a');
    x.send({ type: 'GO' });
    clock.increment(50);
    expect(x.getSnapshot()).toMatchObject({ value: 'c', status: 'done' });
    expect(log).toEqual(['x:a:1', 'x:b:1', 'x:a:1', 'x:b:1', 'x:c:1']);
  });

  it.each(kinds)('%s: after stop, timers are cancelled and events dropped', (kind) => {
    vi.spyOn(console, 'warn').mockImplementation(() => {}); // an Actor warns of events sent after stop
    const { clock, log, peers } = pair(kind, () => {});
    const x = peers.x as Handle;
    x.start();
    x.send({ type: 'GO' });
    x.stop();
    clock.increment(100);
    x.send({ type: 'BACK' });
    expect(x.getSnapshot()).toMatchObject({ value: 'b', status: 'stopped' });
    expect(log).toEqual(['x:a:1', 'x:b:1']);
  });
});

describe('machine stepper', () => {
  it('holds no timer once stopped or finished', () => {
    const sim = new SimulatedClock();
    const armed = new Set<unknown>();
    const clock = {
      now: () => sim.now(),
      setTimeout: (fn: () => void, ms: number) => {
        const h: unknown = sim.setTimeout(() => {
          armed.delete(h);
          fn();
        }, ms);
        armed.add(h);
        return h;
      },
      clearTimeout: (h: unknown) => {
        armed.delete(h);
        sim.clearTimeout(h as number);
      },
    };
    const stepper = createStepper(machine, { clock, emit: () => {} });
    const x = stepper.create('x', { n: 1 }).start();
    x.send({ type: 'GO' });
    expect(armed.size).toBe(1);
    x.stop();
    expect(armed.size).toBe(0);
    const y = stepper.create('y', { n: 1 }).start();
    y.send({ type: 'GO' });
    sim.increment(50);
    expect(y.getSnapshot().status).toBe('done');
    expect(armed.size).toBe(0);
  });

  it('a throwing listener does not undo the step, and its error surfaces on a later turn', async () => {
    const clock = new SimulatedClock();
    const stepper = createStepper(machine, {
      clock,
      emit: (_self, e) => {
        if ((e as unknown as { state: string }).state === 'b') throw new Error('listener broke');
      },
    });
    const thrown = new Promise<unknown>((resolve) => {
      const prior = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (err) => {
        for (const l of prior) process.on('uncaughtException', l);
        resolve(err);
      });
    });
    const x = stepper.create('x', { n: 1 }).start();
    x.send({ type: 'GO' });
    expect(x.getSnapshot().value).toBe('b');
    expect(await thrown).toMatchObject({ message: 'listener broke' });
  });
});
