// One provider's rate-limit gate, shared by every agent that calls it. Pure: times arrive in events,
// the runtime supplies the delay (closedUntil minus now).
//
//   OPEN ──CLOSE(until)──▶ CLOSED ──TIMER at closedUntil, or OPEN (an operator)──▶ OPEN
//
// A CLOSE while CLOSED moves closedUntil later (never earlier) and re-arms the timer without a new record.
import { assign, emit, setup } from 'xstate';
import { actorOf } from './human.ts';
import type { Actor, GateState, TaskError, TransitionFact } from '../src/types.ts';

export interface ProviderInput {
  name: string;
}

export interface ProviderContext extends ProviderInput {
  gate: GateState;
  /** when the gate opens by itself (CLOSED only) */
  closedUntil?: number;
  closedAt?: number;
  /** the agent whose 429 closed the gate last, and what it said */
  closedBy?: string;
  error?: TaskError;
}

export type ProviderEvent =
  | { type: 'CLOSE'; at: number; until: number; agent: string; error: TaskError }
  | ({ type: 'OPEN' } & Actor)
  | { type: 'RESUME' };

export type ProviderEmitted = { type: 'transition'; fact: TransitionFact };

function eventName(type: string): string {
  if (type.startsWith('xstate.after')) return 'TIMER';
  if (type === 'xstate.init') return 'INIT';
  return type;
}

function fact(c: ProviderContext, to: GateState, event: { type: string }): TransitionFact {
  const f: TransitionFact = { kind: 'provider', id: c.name, from: event.type === 'xstate.init' ? null : c.gate, to, event: eventName(event.type) };
  if (event.type === 'CLOSE') {
    const e = event as Extract<ProviderEvent, { type: 'CLOSE' }>;
    f.agent = e.agent;
    f.error = e.error;
    f.closedUntil = e.until;
  }
  return actorOf(event, f);
}

export const providerMachine = setup({
  types: {
    context: {} as ProviderContext,
    events: {} as ProviderEvent,
    input: {} as ProviderInput,
    emitted: {} as ProviderEmitted,
  },
  actions: {
    enter: emit(({ context, event }, to: GateState) => ({ type: 'transition' as const, fact: fact(context, to, event) })),
    close: assign(({ event }) =>
      event.type === 'CLOSE'
        ? { gate: 'CLOSED' as const, closedAt: event.at, closedUntil: event.until, closedBy: event.agent, error: event.error }
        : {},
    ),
    open: assign({ gate: 'OPEN' as const, closedAt: undefined, closedUntil: undefined, closedBy: undefined, error: undefined }),
  },
  guards: {
    startsClosed: ({ context }) => context.gate === 'CLOSED',
    // A later Retry-After extends the wait; an earlier one says nothing new.
    later: ({ context, event }) => event.type === 'CLOSE' && event.until > (context.closedUntil ?? 0),
  },
  delays: {
    // The default, relative to the closing; the runtime replaces it with "closedUntil minus now".
    closedDelay: ({ context }) => Math.max(0, (context.closedUntil ?? 0) - (context.closedAt ?? 0)),
  },
}).createMachine({
  id: 'provider',
  context: ({ input }) => ({ ...input, gate: 'OPEN' }),
  initial: 'boot',
  states: {
    // A restored CLOSED gate starts CLOSED (its context says so) without a record.
    boot: { always: [{ guard: 'startsClosed', target: 'CLOSED' }, { target: 'OPEN' }] },
    OPEN: {
      on: {
        CLOSE: { target: 'CLOSED', actions: [{ type: 'enter', params: 'CLOSED' }, 'close'] },
      },
    },
    CLOSED: {
      initial: 'waiting',
      states: {
        // The timer lives in a child so RESUME (after a restore) and a later CLOSE re-arm it without re-entering CLOSED.
        waiting: { after: { closedDelay: { target: '#provider.OPEN', actions: [{ type: 'enter', params: 'OPEN' }, 'open'] } } },
      },
      on: {
        CLOSE: { guard: 'later', target: '.waiting', actions: 'close' },
        OPEN: { target: 'OPEN', actions: [{ type: 'enter', params: 'OPEN' }, 'open'] },
        RESUME: '.waiting',
      },
    },
  },
});
