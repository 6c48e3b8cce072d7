// A supervisor: owns agents and nested supervisors, decides restarts the OTP way (strategy, restart
// type, intensity) plus backoff. Pure: an exit's time and the jitter's random draw arrive in events.
import { assign, emit, enqueueActions, setup, type AnyActorLogic } from 'xstate';
import { backoffDelay } from './backoff.ts';
import type { BackoffOptions, TransitionFact } from '../src/types.ts';
import { agentMachine, type AgentInput, type RestartType } from './agent.ts';

export type RestartStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type SupervisorStatus = 'RUNNING' | 'RESTARTING' | 'ESCALATED' | 'STOPPED';

export type ChildSpec =
  | { kind: 'agent'; name: string; restart: RestartType; input: AgentInput }
  | { kind: 'supervisor'; name: string; restart: 'permanent'; input: SupervisorInput };

export interface SupervisorInput {
  name: string;
  strategy: RestartStrategy;
  maxRestarts: number;
  withinMs: number;
  backoff: BackoffOptions;
  resetBackoffAfterMs: number;
  /** in start order */
  children: ChildSpec[];
  /** a nested supervisor reports its own escalation to its parent as a crash */
  nested: boolean;
}

export interface SupervisorContext extends SupervisorInput {
  status: SupervisorStatus;
  /** times of restarts inside the intensity window */
  restartTimes: number[];
  /** consecutive restarts of each child, for the backoff exponent */
  streak: Record<string, { n: number; lastAt: number }>;
  escalatedAt?: number;
  /** when this supervisor, restarted by its parent, comes back */
  restartAt?: number;
  lastRand?: number;
}

export type SupervisorEvent =
  | { type: 'CHILD_EXIT'; child: string; at: number; reason: string; crash: boolean; rand: number }
  | { type: 'STOP'; at: number }
  | { type: 'START'; at: number }
  | { type: 'ESCALATE'; at: number }
  /** from the parent: restart after this supervisor's own escalation */
  | { type: 'RESTART_AT'; restartAt: number }
  /** from the parent: a sibling's crash takes this subtree down until RESTART_NOW */
  | { type: 'HALT'; at: number; restartAt: number }
  /** from the parent: the restart's time has come */
  | { type: 'RESTART_NOW'; at: number }
  /** to itself, delayed: start the children of one restart, in order */
  | { type: 'RESTART_DUE'; at: number; children: string[] }
  | { type: 'RESUME' };

export type SupervisorEmitted = { type: 'transition'; fact: TransitionFact };

/** Which children a crash of `child` takes down with it, in start order. */
export function affectedChildren(strategy: RestartStrategy, order: readonly string[], child: string): string[] {
  if (strategy === 'one_for_one') return [child];
  if (strategy === 'one_for_all') return [...order];
  return order.slice(Math.max(0, order.indexOf(child)));
}

/** Restart intensity: one more restart now would make more than maxRestarts within withinMs. */
export function exceedsIntensity(c: Pick<SupervisorContext, 'restartTimes' | 'withinMs' | 'maxRestarts'>, at: number): boolean {
  const recent = c.restartTimes.filter((t) => t > at - c.withinMs).length;
  return recent + 1 > c.maxRestarts;
}

/** The backoff exponent restarts from 0 once a child has run for resetBackoffAfterMs since its last restart (`lastAt`). */
export function nextRestartDelay(c: SupervisorContext, child: string, at: number, rand: number): { delay: number; n: number } {
  const s = c.streak[child];
  const n = s && at - s.lastAt < c.resetBackoffAfterMs ? s.n : 0;
  return { delay: backoffDelay(c.backoff, n, rand), n: n + 1 };
}

const names = (c: SupervisorContext) => c.children.map((ch) => ch.name);
const specOf = (c: SupervisorContext, name: string) => c.children.find((ch) => ch.name === name);

function fact(c: SupervisorContext, to: SupervisorStatus, eventType: string, agent?: string): TransitionFact {
  const init = eventType === 'xstate.init';
  const f: TransitionFact = {
    kind: 'supervisor',
    id: c.name,
    from: init ? null : c.status,
    to,
    event: init ? 'INIT' : eventType.startsWith('xstate.after') ? 'TIMER' : eventType,
  };
  if (agent) f.agent = agent;
  return f;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    emitted: {} as SupervisorEmitted,
  },
  // `supervisor` is this machine itself; the runtime fills it in after creation (a machine cannot name itself).
  actors: { agent: agentMachine, supervisor: agentMachine as AnyActorLogic },
  actions: {
    enter: emit(({ context, event }, to: SupervisorStatus) => ({ type: 'transition' as const, fact: fact(context, to, event.type) })),
    setStatus: assign((_, to: SupervisorStatus) => ({ status: to })),
    // Reverse start order. The child whose crash broke the limit is marked ESCALATED.
    stopChildren: enqueueActions(({ context, event, enqueue }) => {
      const at = 'at' in event ? event.at : 0;
      const culprit = event.type === 'CHILD_EXIT' ? event.child : undefined;
      for (const name of [...names(context)].reverse()) {
        enqueue.sendTo(name, { type: name === culprit ? 'ESCALATE' : 'STOP', at });
      }
    }),
    // A fresh start after the parent restarted this subtree: a new window, every child started in order.
    // Children the parent halted wait in RESTARTING (RESTART_NOW); stopped ones take START.
    startChildren: enqueueActions(({ context, event, enqueue }) => {
      const at = 'at' in event ? event.at : (context.restartAt ?? 0);
      enqueue.assign({ restartTimes: [], streak: {}, escalatedAt: undefined });
      for (const name of names(context)) {
        enqueue.sendTo(name, { type: 'START', at });
        enqueue.sendTo(name, { type: 'RESTART_NOW', at });
      }
    }),
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
      const ids = { id: child.name, systemId: `${child.kind}:${child.name}` };
      if (child.kind === 'agent') enqueue.spawnChild('agent', { ...ids, input: child.input });
      else enqueue.spawnChild('supervisor', { ...ids, input: child.input });
    }
  }),
  on: {
    STOP: { target: '.STOPPED', actions: 'stopChildren' },
  },
  states: {
    RUNNING: {
      entry: [{ type: 'enter', params: 'RUNNING' }, { type: 'setStatus', params: 'RUNNING' }],
      on: {
        CHILD_EXIT: [
          {
            guard: 'exceeds',
            target: 'ESCALATED',
            actions: ['stopChildren', assign(({ event }) => ({ escalatedAt: event.at, lastRand: event.rand }))],
          },
          {
            actions: enqueueActions(({ context, event, enqueue }) => {
              const { delay, n } = nextRestartDelay(context, event.child, event.at, event.rand);
              const restartAt = event.at + delay;
              enqueue.assign({
                restartTimes: [...context.restartTimes.filter((t) => t > event.at - context.withinMs), event.at],
                // Measured from the restart, not the crash: the wait itself is not time spent running.
                streak: { ...context.streak, [event.child]: { n, lastAt: restartAt } },
              });
              // The decision changes the supervisor's state (its intensity window): recorded like any change.
              enqueue.emit({
                type: 'transition',
                fact: { kind: 'supervisor', id: context.name, from: 'RUNNING', to: 'RUNNING', event: 'RESTART', agent: event.child },
              });
              const affected = affectedChildren(context.strategy, names(context), event.child);
              // Survivors go down in reverse start order; a temporary bystander for good, at no cost to intensity (OTP).
              for (const name of [...affected].reverse()) {
                if (name === event.child) enqueue.sendTo(name, { type: 'RESTART_AT', restartAt });
                else if (specOf(context, name)?.restart === 'temporary') enqueue.sendTo(name, { type: 'STOP', at: event.at });
                else enqueue.sendTo(name, { type: 'HALT', at: event.at, restartAt });
              }
              // One timer for the whole restart, so its children come back in start order.
              const children = affected.filter((n) => n === event.child || specOf(context, n)?.restart !== 'temporary');
              enqueue.raise({ type: 'RESTART_DUE', at: restartAt, children }, { delay: delay, id: `restart:${event.child}:${event.at}` });
            }),
          },
        ],
        RESTART_DUE: {
          actions: enqueueActions(({ event, enqueue }) => {
            for (const name of event.children) enqueue.sendTo(name, { type: 'RESTART_NOW', at: event.at });
          }),
        },
        HALT: {
          target: 'RESTARTING',
          actions: ['stopChildren', assign(({ event }) => ({ restartAt: event.restartAt, escalatedAt: event.at }))],
        },
      },
    },
    ESCALATED: {
      entry: [
        { type: 'enter', params: 'ESCALATED' },
        { type: 'setStatus', params: 'ESCALATED' },
        // To its parent, a supervisor that gave up is one crashed child.
        enqueueActions(({ context, enqueue }) => {
          if (!context.nested) return;
          enqueue.sendParent({
            type: 'CHILD_EXIT',
            child: context.name,
            at: context.escalatedAt ?? 0,
            reason: `supervisor ${context.name} exceeded its restart intensity`,
            crash: true,
            rand: context.lastRand ?? 0.5,
          });
        }),
      ],
      on: {
        RESTART_AT: { target: 'RESTARTING', actions: assign(({ event }) => ({ restartAt: event.restartAt })) },
        START: { target: 'RUNNING', actions: 'startChildren' },
        ESCALATE: {},
      },
    },
    // Down until the parent's RESTART_NOW (the parent owns the timer).
    RESTARTING: {
      entry: [{ type: 'enter', params: 'RESTARTING' }, { type: 'setStatus', params: 'RESTARTING' }],
      on: { RESTART_NOW: { target: 'RUNNING', actions: 'startChildren' } },
    },
    STOPPED: {
      entry: [{ type: 'enter', params: 'STOPPED' }, { type: 'setStatus', params: 'STOPPED' }],
      on: { START: { target: 'RUNNING', actions: 'startChildren' }, STOP: {} },
    },
  },
});
