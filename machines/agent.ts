// One agent: its circuit breaker and its lifecycle, as two parallel regions.
// Pure: times arrive in events; the runtime supplies the delays (deadline minus now).
import { assign, emit, enqueueActions, sendParent, setup } from 'xstate';
import { actorOf } from './human.ts';
import type { Actor, AgentLifecycle, BreakerOptions, CircuitState, RestartType, TransitionFact } from '../src/types.ts';

export type { RestartType };

export interface AgentInput {
  name: string;
  /** OTP restart type: whether an exit asks the supervisor for a restart at all */
  restart: RestartType;
  breaker: BreakerOptions;
}

export interface AgentContext extends AgentInput {
  circuit: CircuitState;
  lifecycle: AgentLifecycle;
  /** times of counted failures, oldest first, at most failureThreshold − 1 of them (CLOSED only) */
  failures: number[];
  /** HALF_OPEN bookkeeping; `epoch` tells a probe from a call admitted before the circuit last changed */
  epoch: number;
  probes: number;
  probeSuccesses: number;
  openedAt?: number;
  openUntil?: number;
  halfOpenAt?: number;
  restarts: number;
  restartAt?: number;
  lastExit?: { at: number; reason: string; crash: boolean; rand?: number };
}

export type CallOutcome = 'success' | 'failure' | 'ignore';

export type AgentEvent =
  /** a probe let through while HALF_OPEN */
  | { type: 'ACQUIRE'; at: number }
  | { type: 'RELEASE'; at: number; outcome: CallOutcome; epoch: number }
  | ({ type: 'RESET'; at: number } & Actor)
  /** the circuit opened elsewhere (another process of a cluster): open until `openUntil` */
  | { type: 'TRIP'; at: number; openUntil: number }
  | { type: 'RESUME' }
  | { type: 'STARTED'; at: number }
  | { type: 'EXITED'; at: number; reason: string; crash: boolean; rand: number }
  | { type: 'RESTART_AT'; restartAt: number }
  | { type: 'RESTART_NOW'; at: number }
  | { type: 'HALT'; at: number; restartAt: number }
  | ({ type: 'RESTART'; at: number; restartAt: number } & Actor)
  | ({ type: 'STOP'; at: number } & Actor)
  | ({ type: 'START'; at: number } & Actor)
  | { type: 'ESCALATE'; at: number };

export type AgentEmitted = { type: 'transition'; fact: TransitionFact };

/** Whether a call may start now: the breaker check the dispatcher makes before ACQUIRE. A field read, no search. */
export function admits(c: AgentContext): boolean {
  if (c.lifecycle !== 'RUNNING') return false;
  if (c.circuit === 'CLOSED') return true;
  return c.circuit === 'HALF_OPEN' && c.probes < c.breaker.halfOpenProbes;
}

// The failure window. A CLOSED circuit never holds failureThreshold counted failures: the one that would
// reach it opens the circuit, and entering CLOSED clears the list. So the list is bounded by the threshold,
// not by the window or the load, and times arrive in order. That keeps the window exact to the millisecond
// (the tests pin its edges at -1/0/+1 ms), which fixed rolling buckets (opossum's) cannot: a bucket that
// straddles the window edge would count failures that are out, or drop ones still in.

/** Whether one more failure at `at` makes failureThreshold inside the window: one element read, O(1). */
export function tripsAt(failures: readonly number[], at: number, breaker: BreakerOptions): boolean {
  const need = breaker.failureThreshold - 1;
  if (need <= 0) return true;
  // Sorted: if the need-th newest is inside (strictly within windowMs of now), so are all newer ones.
  const oldest = failures[failures.length - need];
  return oldest !== undefined && oldest > at - breaker.windowMs;
}

/** The list after a failure at `at` that did not trip: expired times dropped from the front, capped at threshold − 1. */
export function withFailure(failures: readonly number[], at: number, breaker: BreakerOptions): number[] {
  const since = at - breaker.windowMs;
  let start = Math.max(0, failures.length + 2 - breaker.failureThreshold);
  while (start < failures.length && (failures[start] ?? since) <= since) start += 1;
  return [...failures.slice(start), at];
}

/** The runtime's dispatch rule, kept here so tests check the rule itself: a free slot (counted by the runtime) and the breaker's yes. */
export function admitsCall(c: AgentContext, running: number, concurrency: number): boolean {
  return running < concurrency && admits(c);
}

function eventName(type: string): string {
  if (type.startsWith('xstate.after')) return 'TIMER';
  if (type === 'xstate.init') return 'INIT';
  return type;
}

function fact(c: AgentContext, from: string, to: string, event: { type: string }): TransitionFact {
  const f: TransitionFact = { kind: 'agent', id: c.name, from: event.type === 'xstate.init' ? null : from, to, event: eventName(event.type), agent: c.name };
  return actorOf(event, f);
}

export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as AgentInput,
    emitted: {} as AgentEmitted,
  },
  actions: {
    enterCircuit: emit(({ context, event }, to: CircuitState) => ({
      type: 'transition' as const,
      fact: fact(context, context.circuit, to, event),
    })),
    setCircuit: assign((_, to: CircuitState) => ({ circuit: to })),
    enterLifecycle: emit(({ context, event }, to: AgentLifecycle) => ({
      type: 'transition' as const,
      fact: fact(context, context.lifecycle, to, event),
    })),
    setLifecycle: assign((_, to: AgentLifecycle) => ({ lifecycle: to })),
    // The circuit opens for openMs from the failure that tripped it (in CLOSED, or a failed probe).
    trip: assign(({ context, event }) =>
      event.type === 'RELEASE' ? { openedAt: event.at, openUntil: event.at + context.breaker.openMs } : {},
    ),
    noteHalt: assign(({ event }) =>
      event.type === 'HALT' ? { lastExit: { at: event.at, reason: 'sibling restart', crash: false }, restartAt: event.restartAt } : {},
    ),
    // Named, so a walk of this machine without a supervisor can put a no-op in its place.
    reportExit: sendParent(({ context }) => ({
      type: 'CHILD_EXIT' as const,
      child: context.name,
      at: context.lastExit?.at ?? 0,
      reason: context.lastExit?.reason ?? 'unknown',
      crash: context.lastExit?.crash ?? true,
      rand: context.lastExit?.rand ?? 0.5,
    })),
    noteExit: assign(({ event }) =>
      event.type === 'EXITED'
        ? { lastExit: { at: event.at, reason: event.reason, crash: event.crash, rand: event.rand } }
        : {},
    ),
  },
  guards: {
    admits: ({ context }) => admits(context),
    // The failure being released is the one that reaches the threshold inside the window.
    tripsBreaker: ({ context, event }) => {
      if (event.type !== 'RELEASE' || event.outcome !== 'failure') return false;
      return tripsAt(context.failures, event.at, context.breaker);
    },
    isProbeFailure: ({ context, event }) =>
      event.type === 'RELEASE' && event.epoch === context.epoch && event.outcome === 'failure',
    // temporary: never restarted; transient: restarted only after a crash (OTP).
    exitIsFinal: ({ context, event }) =>
      event.type === 'EXITED' && (context.restart === 'temporary' || (context.restart === 'transient' && !event.crash)),
    closesCircuit: ({ context, event }) =>
      event.type === 'RELEASE' &&
      event.epoch === context.epoch &&
      event.outcome === 'success' &&
      context.probeSuccesses + 1 >= context.breaker.successThreshold,
  },
  delays: {
    openDelay: ({ context }) => Math.max(0, (context.openUntil ?? 0) - (context.openedAt ?? 0)),
    restartDelay: ({ context }) => Math.max(0, (context.restartAt ?? 0) - (context.lastExit?.at ?? 0)),
  },
}).createMachine({
  id: 'agent',
  type: 'parallel',
  context: ({ input }) => ({
    ...input,
    circuit: 'CLOSED',
    lifecycle: 'STARTING',
    failures: [],
    epoch: 0,
    probes: 0,
    probeSuccesses: 0,
    restarts: 0,
  }),
  states: {
    circuit: {
      initial: 'CLOSED',
      // RESET lives on each circuit state, not on the region: a region-level re-entry would take the
      // parallel root's lifecycle region down with it.
      states: {
        CLOSED: {
          entry: [
            { type: 'enterCircuit', params: 'CLOSED' },
            { type: 'setCircuit', params: 'CLOSED' },
            assign({ failures: [], openedAt: undefined, openUntil: undefined, halfOpenAt: undefined }),
          ],
          on: {
            RESET: { actions: assign({ failures: [] }) },
            TRIP: {
              target: 'OPEN',
              reenter: true,
              actions: assign(({ event }) => ({ openedAt: event.at, openUntil: event.openUntil })),
            },
            RELEASE: [
              {
                guard: 'tripsBreaker',
                target: 'OPEN',
                actions: 'trip',
              },
              {
                guard: ({ event }) => event.outcome === 'failure',
                actions: assign(({ context, event }) => ({
                  failures: withFailure(context.failures, event.at, context.breaker),
                })),
              },
            ],
          },
        },
        OPEN: {
          entry: [
            { type: 'enterCircuit', params: 'OPEN' },
            { type: 'setCircuit', params: 'OPEN' },
            assign(({ context }) => ({ epoch: context.epoch + 1 })),
          ],
          // The timer lives in a child so RESUME (after a restore) re-arms it without re-entering OPEN.
          initial: 'cooling',
          states: { cooling: { after: { openDelay: '#agent.circuit.HALF_OPEN' } } },
          on: {
            RESET: 'CLOSED',
            RESUME: '.cooling',
            TRIP: {
              target: 'OPEN',
              reenter: true,
              actions: assign(({ event }) => ({ openedAt: event.at, openUntil: event.openUntil })),
            },
          },
        },
        HALF_OPEN: {
          entry: [
            { type: 'enterCircuit', params: 'HALF_OPEN' },
            { type: 'setCircuit', params: 'HALF_OPEN' },
            assign(({ context }) => ({
              epoch: context.epoch + 1,
              probes: 0,
              probeSuccesses: 0,
              halfOpenAt: context.openUntil,
            })),
          ],
          on: {
            RESET: 'CLOSED',
            TRIP: {
              target: 'OPEN',
              reenter: true,
              actions: assign(({ event }) => ({ openedAt: event.at, openUntil: event.openUntil })),
            },
            // Only probes are counted here; concurrency is the runtime's (a field read per dispatch).
            ACQUIRE: {
              guard: 'admits',
              actions: assign(({ context }) => ({ probes: context.probes + 1 })),
            },
            RELEASE: [
              {
                guard: 'isProbeFailure',
                target: 'OPEN',
                actions: 'trip',
              },
              { guard: 'closesCircuit', target: 'CLOSED' },
              {
                actions: assign(({ context, event }) => {
                  const probe = event.epoch === context.epoch;
                  return {
                    probes: probe ? context.probes - 1 : context.probes,
                    probeSuccesses:
                      probe && event.outcome === 'success' ? context.probeSuccesses + 1 : context.probeSuccesses,
                  };
                }),
              },
            ],
          },
        },
      },
    },
    lifecycle: {
      initial: 'STARTING',
      on: {
        ESCALATE: { target: '.ESCALATED' },
      },
      states: {
        STARTING: {
          entry: [{ type: 'enterLifecycle', params: 'STARTING' }, { type: 'setLifecycle', params: 'STARTING' }],
          on: {
            STARTED: 'RUNNING',
            EXITED: [
              { guard: 'exitIsFinal', target: 'STOPPED', actions: 'noteExit' },
              { target: 'RESTARTING', actions: 'noteExit' },
            ],
            HALT: { target: 'RESTARTING.held', actions: 'noteHalt' },
            STOP: 'STOPPED',
          },
        },
        RUNNING: {
          entry: [{ type: 'enterLifecycle', params: 'RUNNING' }, { type: 'setLifecycle', params: 'RUNNING' }],
          on: {
            EXITED: [
              { guard: 'exitIsFinal', target: 'STOPPED', actions: 'noteExit' },
              { target: 'RESTARTING', actions: 'noteExit' },
            ],
            // A sibling's crash: stopped now, started again when the supervisor says so.
            HALT: { target: 'RESTARTING.held', actions: 'noteHalt' },
            // An operator's restart: no exit of its own, so the supervisor is not asked and nothing counts.
            RESTART: {
              target: 'RESTARTING.waiting',
              actions: assign(({ event }) => ({
                lastExit: { at: event.at, reason: 'restart', crash: false },
                restartAt: event.restartAt,
              })),
            },
            STOP: 'STOPPED',
          },
        },
        RESTARTING: {
          entry: [{ type: 'enterLifecycle', params: 'RESTARTING' }, { type: 'setLifecycle', params: 'RESTARTING' }],
          initial: 'deciding',
          on: { STOP: 'STOPPED' },
          states: {
            // Waits for the supervisor's verdict on the exit: RESTART_AT, ESCALATE or STOP.
            deciding: {
              entry: 'reportExit',
              on: { RESTART_AT: { target: 'held', actions: assign(({ event }) => ({ restartAt: event.restartAt })) } },
            },
            // The supervisor owns the restart's timer, so children restarted together start in order.
            held: {
              on: {
                RESTART_NOW: {
                  target: '#agent.lifecycle.STARTING',
                  actions: assign(({ context }) => ({ restarts: context.restarts + 1 })),
                },
              },
            },
            waiting: {
              after: {
                restartDelay: {
                  target: '#agent.lifecycle.STARTING',
                  actions: assign(({ context }) => ({ restarts: context.restarts + 1 })),
                },
              },
              on: { RESUME: { target: 'waiting', reenter: true } },
            },
          },
        },
        STOPPED: {
          entry: [
            { type: 'enterLifecycle', params: 'STOPPED' },
            { type: 'setLifecycle', params: 'STOPPED' },
            // A final exit is reported too, after this state's own record: the supervisor forgets a
            // dynamic temporary child and checks its auto-shutdown (significant children); it restarts nothing.
            enqueueActions(({ event, enqueue }) => {
              if (event.type === 'EXITED') enqueue('reportExit');
            }),
          ],
          on: { START: 'STARTING' },
        },
        ESCALATED: {
          entry: [{ type: 'enterLifecycle', params: 'ESCALATED' }, { type: 'setLifecycle', params: 'ESCALATED' }],
          on: { START: 'STARTING', STOP: 'STOPPED' },
        },
      },
    },
  },
});
