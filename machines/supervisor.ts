// A supervisor: owns agents and nested supervisors, decides restarts the OTP way (strategy, restart
// type, intensity) plus backoff. Pure: an exit's time and the jitter's random draw arrive in events.
import { assign, emit, enqueueActions, not, setup, type AnyActorLogic } from 'xstate';
import { backoffDelay } from './backoff.ts';
import type { AutoShutdown, BackoffOptions, SupervisorStatus, SupervisorStrategy, TransitionFact } from '../src/types.ts';
import { agentMachine, type AgentEvent as AgentEventOf, type AgentInput, type RestartType } from './agent.ts';

export type { SupervisorStatus };
export type RestartStrategy = SupervisorStrategy;

/** What a child added while running carries, as plain data (the runtime journals it and restores it). */
export interface DynamicSpec {
  /** the pool whose spec the member runs */
  pool?: string;
  /** the agent's declarative settings (no functions) */
  def: Record<string, unknown>;
  /** the def came with functions (run/start/stop) that a restarted process cannot restore */
  code: boolean;
}

export type AgentChildSpec = {
  kind: 'agent';
  name: string;
  restart: RestartType;
  /** OTP significant: its own exit counts toward the supervisor's autoShutdown */
  significant?: boolean;
  /** set for a child added while running (addAgent) */
  dynamic?: DynamicSpec;
  input: AgentInput;
};

export type ChildSpec =
  | AgentChildSpec
  // 'transient' for a supervisor that may shut itself down: its parent does not bring it back after that.
  | { kind: 'supervisor'; name: string; restart: 'permanent' | 'transient'; significant?: boolean; input: SupervisorInput };

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
  /** OTP auto_shutdown: exit once any / all significant children are done by themselves. @defaultValue 'never' */
  autoShutdown?: AutoShutdown;
  /** a pool (simple_one_for_one): members added at run time, at most `max` */
  pool?: { max: number };
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
  | { type: 'RESUME' }
  /** OTP start_child: a new agent at the end of the start order */
  | { type: 'START_CHILD'; spec: AgentChildSpec; at: number }
  /** OTP delete_child: forget a stopped child */
  | { type: 'DELETE_CHILD'; child: string; at: number }
  /** raised when the significant children say so (autoShutdown) */
  | { type: 'AUTO_SHUTDOWN'; at: number; child: string };

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

/** OTP: a temporary child is never restarted, a transient one only after a crash: such an exit ends it. */
export function exitIsFinal(spec: ChildSpec | undefined, crash: boolean): boolean {
  return spec !== undefined && (spec.restart === 'temporary' || (spec.restart === 'transient' && !crash));
}

/** Whether the exit of significant child `child` shuts the supervisor down; `alive` tells the others' state. */
export function shutsDown(mode: AutoShutdown | undefined, children: readonly ChildSpec[], child: string, alive: (name: string) => boolean): boolean {
  if (mode === undefined || mode === 'never') return false;
  if (mode === 'any_significant') return true;
  return !children.some((c) => c.significant === true && c.name !== child && alive(c.name));
}

/** A child is alive unless it stopped or gave up; read from its own snapshot (data in the system, not I/O). */
function aliveIn(children: Record<string, { getSnapshot(): { context?: unknown } } | undefined>) {
  return (name: string): boolean => {
    const c = children[name]?.getSnapshot().context as { lifecycle?: string; status?: string } | undefined;
    const state = c?.lifecycle ?? c?.status;
    return state !== undefined && state !== 'STOPPED' && state !== 'ESCALATED';
  };
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}

/** The context once `child` is forgotten: nothing of it is kept (1,000 members added and removed leave no trace). */
function forget(c: SupervisorContext, child: string): Partial<SupervisorContext> {
  return {
    children: c.children.filter((ch) => ch.name !== child),
    streak: without(c.streak, child),
    pendingRestarts: c.pendingRestarts
      .map((p) => ({ ...p, children: p.children.filter((n) => n !== child) }))
      .filter((p) => p.children.length > 0),
  };
}

function childFact(c: SupervisorContext, event: string, agent: string): TransitionFact {
  return { kind: 'supervisor', id: c.name, from: c.status, to: c.status, event, agent };
}

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
    // OTP start_child: the spec joins the end of the start order and its actor is spawned now.
    startChild: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'START_CHILD') return;
      const { spec } = event;
      enqueue.assign({ children: [...context.children, spec] });
      enqueue.spawnChild('agent', { id: spec.name, systemId: `agent:${spec.name}`, input: spec.input });
      enqueue.emit({ type: 'transition', fact: childFact(context, 'START_CHILD', spec.name) });
    }),
    // OTP delete_child: the (stopped) child's actor and every trace of it go.
    deleteChild: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'DELETE_CHILD') return;
      enqueue.stopChild(event.child);
      enqueue.assign(forget(context, event.child));
      enqueue.emit({ type: 'transition', fact: childFact(context, 'DELETE_CHILD', event.child) });
    }),
    // A child is done for good (its restart type says so). A dynamic temporary child is forgotten at
    // once (OTP keeps no start parameters for it); a significant one may shut the supervisor down.
    childDone: enqueueActions(({ context, event, enqueue, self }) => {
      if (event.type !== 'CHILD_EXIT') return;
      const spec = specOf(context, event.child);
      if (!spec) return;
      let children = context.children;
      if (spec.kind === 'agent' && spec.dynamic && spec.restart === 'temporary') {
        const changes = forget(context, event.child);
        children = changes.children ?? children;
        enqueue.stopChild(event.child);
        enqueue.assign(changes);
        enqueue.emit({ type: 'transition', fact: childFact(context, 'DELETE_CHILD', event.child) });
      }
      const alive = aliveIn(self.getSnapshot().children as Record<string, { getSnapshot(): { context?: unknown } }>);
      if (spec.significant && shutsDown(context.autoShutdown, children, event.child, alive)) {
        enqueue.raise({ type: 'AUTO_SHUTDOWN', at: event.at, child: event.child });
      }
    }),
    // To its parent, a nested supervisor that shut itself down is a child that exited normally.
    reportShutdown: enqueueActions(({ context, event, enqueue }) => {
      if (!context.nested || event.type !== 'AUTO_SHUTDOWN') return;
      enqueue.sendParent({ type: 'CHILD_EXIT', child: context.name, at: event.at, reason: `auto_shutdown after ${event.child}`, crash: false, rand: 0.5 });
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
    final: ({ context, event }) => event.type === 'CHILD_EXIT' && exitIsFinal(specOf(context, event.child), event.crash),
    canStartChild: ({ context, event }) =>
      event.type === 'START_CHILD' && !specOf(context, event.spec.name) && (!context.pool || context.children.length < context.pool.max),
    knownChild: ({ context, event }) => event.type === 'DELETE_CHILD' && specOf(context, event.child) !== undefined,
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
    DELETE_CHILD: { guard: 'knownChild', actions: 'deleteChild' },
  },
  states: {
    RUNNING: {
      entry: [{ type: 'enter', params: 'RUNNING' }, { type: 'setStatus', params: 'RUNNING' }],
      on: {
        CHILD_EXIT: [
          // Not restarted, so not counted toward intensity (OTP): the exit only ends the child.
          { guard: 'final', actions: 'childDone' },
          {
            guard: 'exceeds',
            target: 'ESCALATED',
            actions: ['stopChildren', assign(({ event }) => ({ escalatedAt: event.at, lastRand: event.rand }))],
          },
          { guard: 'oneForOne', target: '.restarting', actions: { type: 'restart', params: 'one_for_one' } },
          { guard: 'oneForAll', target: '.restarting', actions: { type: 'restart', params: 'one_for_all' } },
          { guard: 'restForOne', target: '.restarting', actions: { type: 'restart', params: 'rest_for_one' } },
        ],
        START_CHILD: { guard: 'canStartChild', actions: 'startChild' },
        AUTO_SHUTDOWN: { target: 'STOPPED', actions: ['stopChildren', 'reportShutdown'] },
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
