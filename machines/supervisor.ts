// A supervisor: owns agents and nested supervisors, decides restarts the OTP way (strategy, restart
// type, intensity) plus backoff. Pure: an exit's time and the jitter's random draw arrive in events.
import { assign, emit, enqueueActions, not, setup, type AnyActorLogic } from 'xstate';
import { backoffDelay } from './backoff.ts';
import type { BackoffOptions, SupervisorStatus, SupervisorStrategy, TransitionFact } from '../src/types.ts';
import { agentMachine, type AgentEvent as AgentEventOf, type AgentInput, type RestartType } from './agent.ts';

export type { SupervisorStatus };
export type RestartStrategy = SupervisorStrategy;

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

export interface PendingRestart {
  /** the child whose crash decided it */
  child: string;
  restartAt: number;
  /** the children it brings back, in start order */
  children: string[];
}

export interface SupervisorContext extends SupervisorInput {
  status: SupervisorStatus;
  /** times of restarts inside the intensity window */
  restartTimes: number[];
  /** consecutive restarts of each child, for the backoff exponent */
  streak: Record<string, { n: number; lastAt: number }>;
  escalatedAt?: number;
  /** restarts decided and not yet due, earliest first: deadlines, armed by the provided `restartDelay` */
  pendingRestarts: PendingRestart[];
  /** the time of the latest event that carried one: the default delay counts from it (a machine reads no clock) */
  lastEventAt: number;
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

type ChildEvent = Extract<AgentEventOf, { type: 'RESTART_AT' | 'STOP' | 'HALT' }>;

/** What one restart does, as data: the events to the affected children and the context changes. */
function restartPlan(
  c: SupervisorContext,
  event: Extract<SupervisorEvent, { type: 'CHILD_EXIT' }>,
  affected: string[],
): { sends: { to: string; event: ChildEvent }[]; changes: Partial<SupervisorContext> } {
  const { delay, n } = nextRestartDelay(c, event.child, event.at, event.rand);
  const restartAt = event.at + delay;
  const sends = [...affected].reverse().map((to): { to: string; event: ChildEvent } => {
    if (to === event.child) return { to, event: { type: 'RESTART_AT', restartAt } };
    if (specOf(c, to)?.restart === 'temporary') return { to, event: { type: 'STOP', at: event.at } };
    return { to, event: { type: 'HALT', at: event.at, restartAt } };
  });
  // One deadline for the whole restart, so its children come back in start order.
  const children = affected.filter((name) => name === event.child || specOf(c, name)?.restart !== 'temporary');
  const pendingRestarts = [...c.pendingRestarts, { child: event.child, restartAt, children }].sort((a, b) => a.restartAt - b.restartAt);
  return {
    sends,
    changes: {
      restartTimes: [...c.restartTimes.filter((t) => t > event.at - c.withinMs), event.at],
      // Measured from the restart, not the crash: the wait itself is not time spent running.
      streak: { ...c.streak, [event.child]: { n, lastAt: restartAt } },
      pendingRestarts,
      lastEventAt: Math.max(c.lastEventAt, event.at),
    },
  };
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
      enqueue.assign({ restartTimes: [], streak: {}, escalatedAt: undefined, pendingRestarts: [] });
      for (const name of names(context)) {
        enqueue.sendTo(name, { type: 'START', at });
        enqueue.sendTo(name, { type: 'RESTART_NOW', at });
      }
    }),
    // A restart under one OTP strategy (the transition names it, so the inspector shows which one):
    // the culprit waits for its deadline, the other affected children go down in reverse start order
    // (a temporary bystander for good, at no cost to intensity, as in OTP), the restart joins the
    // pending list.
    restart: enqueueActions(({ context, event, enqueue }, strategy: RestartStrategy) => {
      if (event.type !== 'CHILD_EXIT') return;
      const plan = restartPlan(context, event, affectedChildren(strategy, names(context), event.child));
      // The decision changes the supervisor's state (its intensity window): recorded like any change.
      enqueue.emit({ type: 'transition', fact: { kind: 'supervisor', id: context.name, from: 'RUNNING', to: 'RUNNING', event: 'RESTART', agent: event.child } });
      for (const { to, event: e } of plan.sends) enqueue.sendTo(to, e);
      enqueue.assign(plan.changes);
    }),
    // The earliest restart is due: its children come back in start order.
    restartDue: enqueueActions(({ context, enqueue }) => {
      const [due, ...rest] = context.pendingRestarts;
      if (!due) return;
      for (const name of due.children) enqueue.sendTo(name, { type: 'RESTART_NOW', at: due.restartAt });
      enqueue.assign({ pendingRestarts: rest, lastEventAt: Math.max(context.lastEventAt, due.restartAt) });
    }),
  },
  guards: {
    exceeds: ({ context, event }) => event.type === 'CHILD_EXIT' && exceedsIntensity(context, event.at),
    oneForOne: ({ context }) => context.strategy === 'one_for_one',
    oneForAll: ({ context }) => context.strategy === 'one_for_all',
    restForOne: ({ context }) => context.strategy === 'rest_for_one',
    restartPending: ({ context }) => context.pendingRestarts.length > 0,
  },
  delays: {
    // Default: from the latest event's time; the runtime replaces it with "deadline minus now".
    restartDelay: ({ context }) => Math.max(0, (context.pendingRestarts[0]?.restartAt ?? 0) - context.lastEventAt),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({ ...input, status: 'RUNNING', restartTimes: [], streak: {}, pendingRestarts: [], lastEventAt: 0 }),
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
          { guard: 'oneForOne', target: '.restarting', actions: { type: 'restart', params: 'one_for_one' } },
          { guard: 'oneForAll', target: '.restarting', actions: { type: 'restart', params: 'one_for_all' } },
          { guard: 'restForOne', target: '.restarting', actions: { type: 'restart', params: 'rest_for_one' } },
        ],
        HALT: {
          target: 'RESTARTING',
          actions: ['stopChildren', assign(({ event }) => ({ restartAt: event.restartAt, escalatedAt: event.at, pendingRestarts: [] }))],
        },
      },
      initial: 'steady',
      states: {
        steady: {},
        // Restarts decided and waiting for their deadline; re-entered (re-armed) on each new one and on RESUME.
        restarting: {
          always: { guard: not('restartPending'), target: 'steady' },
          after: { restartDelay: { target: 'restarting', reenter: true, actions: 'restartDue' } },
          on: { RESUME: { target: 'restarting', reenter: true } },
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
