// A supervisor: owns agent actors, decides restarts (strategy, backoff, restart intensity).
// Pure: the exit's time and the jitter's random draw arrive in the event.
import { assign, emit, enqueueActions, setup } from 'xstate';
import { backoffDelay } from '../src/policy/backoff.ts';
import type { BackoffOptions, TransitionFact } from '../src/types.ts';
import { agentMachine, type AgentInput } from './agent.ts';

export type RestartStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type SupervisorStatus = 'RUNNING' | 'ESCALATED' | 'STOPPED';

export interface SupervisorInput {
  name: string;
  strategy: RestartStrategy;
  maxRestarts: number;
  withinMs: number;
  backoff: BackoffOptions;
  resetBackoffAfterMs: number;
  /** in start order */
  children: AgentInput[];
}

export interface SupervisorContext extends SupervisorInput {
  status: SupervisorStatus;
  /** times of restarts inside the intensity window */
  restartTimes: number[];
  /** consecutive restarts of each child, for the backoff exponent */
  streak: Record<string, { n: number; lastAt: number }>;
  escalatedAt?: number;
}

export type SupervisorEvent =
  | { type: 'CHILD_EXIT'; child: string; at: number; reason: string; crash: boolean; rand: number }
  | { type: 'STOP'; at: number }
  | { type: 'RESUME' };

export type SupervisorEmitted = { type: 'transition'; fact: TransitionFact };

/** Which children a crash of `child` takes down with it, in start order. */
export function affectedChildren(strategy: RestartStrategy, order: readonly string[], child: string): string[] {
  if (strategy === 'one_for_one') return [child];
  if (strategy === 'one_for_all') return [...order];
  return order.slice(Math.max(0, order.indexOf(child)));
}

export function exceedsIntensity(c: SupervisorContext, at: number): boolean {
  const recent = c.restartTimes.filter((t) => t > at - c.withinMs).length;
  return recent + 1 > c.maxRestarts;
}

export function nextRestartDelay(c: SupervisorContext, child: string, at: number, rand: number): number {
  const s = c.streak[child];
  const n = s && at - s.lastAt < c.resetBackoffAfterMs ? s.n : 0;
  return backoffDelay(c.backoff, n, rand);
}

const names = (c: SupervisorContext) => c.children.map((ch) => ch.name);

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    emitted: {} as SupervisorEmitted,
  },
  actors: { agent: agentMachine },
  actions: {
    enter: emit(({ context, event }, to: SupervisorStatus) => ({
      type: 'transition' as const,
      fact: {
        kind: 'supervisor' as const,
        id: context.name,
        from: (event.type as string) === 'xstate.init' ? null : context.status,
        to,
        event: (event.type as string) === 'xstate.init' ? 'INIT' : event.type,
      },
    })),
    setStatus: assign((_, to: SupervisorStatus) => ({ status: to })),
  },
  guards: {
    exceeds: ({ context, event }) => event.type === 'CHILD_EXIT' && exceedsIntensity(context, event.at),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({ ...input, status: 'RUNNING', restartTimes: [], streak: {} }),
  initial: 'RUNNING',
  entry: enqueueActions(({ context, enqueue }) => {
    for (const child of context.children) {
      enqueue.spawnChild('agent', { id: child.name, systemId: `agent:${child.name}`, input: child });
    }
  }),
  states: {
    RUNNING: {
      entry: [{ type: 'enter', params: 'RUNNING' }, { type: 'setStatus', params: 'RUNNING' }],
      on: {
        CHILD_EXIT: [
          {
            guard: 'exceeds',
            target: 'ESCALATED',
            actions: enqueueActions(({ context, event, enqueue }) => {
              enqueue.assign({ escalatedAt: event.at });
              // Stop in reverse start order; the child that broke the limit is marked ESCALATED.
              for (const name of [...names(context)].reverse()) {
                const verdict = name === event.child ? 'ESCALATE' : 'STOP';
                enqueue.sendTo(name, { type: verdict, at: event.at });
              }
            }),
          },
          {
            actions: enqueueActions(({ context, event, enqueue }) => {
              const delay = nextRestartDelay(context, event.child, event.at, event.rand);
              const restartAt = event.at + delay;
              const prev = context.streak[event.child];
              const n = prev && event.at - prev.lastAt < context.resetBackoffAfterMs ? prev.n + 1 : 1;
              enqueue.assign({
                restartTimes: [...context.restartTimes.filter((t) => t > event.at - context.withinMs), event.at],
                streak: { ...context.streak, [event.child]: { n, lastAt: event.at } },
              });
              // The restart decision is a change of the supervisor's state (its intensity window): recorded like any other.
              enqueue.emit({
                type: 'transition',
                fact: { kind: 'supervisor', id: context.name, from: 'RUNNING', to: 'RUNNING', event: 'RESTART', agent: event.child },
              });
              for (const name of affectedChildren(context.strategy, names(context), event.child)) {
                if (name === event.child) enqueue.sendTo(name, { type: 'RESTART_AT', restartAt });
                else enqueue.sendTo(name, { type: 'RESTART', at: event.at, restartAt });
              }
            }),
          },
        ],
        STOP: {
          target: 'STOPPED',
          actions: enqueueActions(({ context, event, enqueue }) => {
            for (const name of [...names(context)].reverse()) enqueue.sendTo(name, { type: 'STOP', at: event.at });
          }),
        },
      },
    },
    ESCALATED: {
      entry: [{ type: 'enter', params: 'ESCALATED' }, { type: 'setStatus', params: 'ESCALATED' }],
      on: { STOP: 'STOPPED' },
    },
    STOPPED: {
      entry: [{ type: 'enter', params: 'STOPPED' }, { type: 'setStatus', params: 'STOPPED' }],
    },
  },
});
