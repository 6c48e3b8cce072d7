// Creates the supervisor actor and its agent children, overlaying state restored from disk.
import { createActor, type ActorRefFrom, type AnyActorRef, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import { agentMachine, type AgentContext } from '../../machines/agent.ts';
import { supervisorMachine, type AgentChildSpec, type ChildSpec, type SupervisorContext, type SupervisorInput } from '../../machines/supervisor.ts';
import type { ResolvedAgentConfig, ResolvedConfig, ResolvedSupervisorConfig } from '../config.ts';
import type { AgentState, SupervisorState } from '../store/state.ts';
import type { Clock, TransitionFact } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import { createQueue } from './queue.ts';
import { remaining } from './clock.ts';


/** Agents under the supervisor tree, in start order. */
export function agentOrder(s: ResolvedSupervisorConfig): string[] {
  return s.children.flatMap((c) => (typeof c === 'string' ? [c] : agentOrder(c)));
}

export interface Restored {
  agents: Record<string, AgentState>;
  supervisors: Record<string, SupervisorState>;
}


/** The machine's spec of one agent child. */
export function agentChildSpec(a: ResolvedAgentConfig): AgentChildSpec {
  const spec: AgentChildSpec = { kind: 'agent', name: a.name, restart: a.restart, input: { name: a.name, restart: a.restart, breaker: a.breaker } };
  if (a.significant) spec.significant = true;
  return spec;
}

/** The machine's input for a supervisor config, its subtree included; `dynamic` adds restored children at the end of each. */
export function supervisorInput(
  config: ResolvedConfig,
  s: ResolvedSupervisorConfig,
  nested: boolean,
  dynamic: (supervisor: string) => AgentChildSpec[] = () => [],
): SupervisorInput {
  const input: SupervisorInput = {
    name: s.name,
    strategy: s.strategy,
    maxRestarts: s.maxRestarts,
    withinMs: s.withinMs,
    backoff: s.backoff,
    resetBackoffAfterMs: s.resetBackoffAfterMs,
    nested,
    autoShutdown: s.autoShutdown,
    children: [
      ...s.children.map((c): ChildSpec => {
        if (typeof c === 'string') return agentChildSpec(config.agents[c]!);
        // One that may shut itself down is transient: its parent does not bring it back after that.
        const restart = c.autoShutdown === 'never' ? 'permanent' : 'transient';
        const spec: ChildSpec = { kind: 'supervisor', name: c.name, restart, input: supervisorInput(config, c, true, dynamic) };
        if (c.significant) spec.significant = true;
        return spec;
      }),
      ...dynamic(s.name),
    ],
  };
  if (s.pool) input.pool = { max: s.pool.max };
  return input;
}

/** Every supervisor config by name, the root and pools included. */
export function supervisorConfigs(s: ResolvedSupervisorConfig, out = new Map<string, ResolvedSupervisorConfig>()): Map<string, ResolvedSupervisorConfig> {
  out.set(s.name, s);
  for (const c of s.children) if (typeof c !== 'string') supervisorConfigs(c, out);
  return out;
}

/** Agents in start order as the machines hold them now (dynamic children included), depth first. */
export function liveOrder(contextOf: (name: string) => SupervisorContext | undefined, root: string): string[] {
  const c = contextOf(root);
  if (!c) return [];
  return c.children.flatMap((ch) => (ch.kind === 'agent' ? [ch.name] : liveOrder(contextOf, ch.name)));
}

/** How many levels of supervisors sit below `s` (0 when all its children are agents). */
export function treeDepth(s: ResolvedSupervisorConfig): number {
  return Math.max(0, ...s.children.map((c) => (typeof c === 'string' ? 0 : 1 + treeDepth(c))));
}

/** Every supervisor's name, the root first, parents before children. */
export function supervisorNames(s: ResolvedSupervisorConfig): string[] {
  return [s.name, ...s.children.flatMap((c) => (typeof c === 'string' ? [] : supervisorNames(c)))];
}

export function createSupervisorActor(opts: {
  config: ResolvedConfig;
  clock: Clock;
  inspect?: Observer<InspectionEvent> | ((ev: InspectionEvent) => void);
  publish: (fact: TransitionFact) => void;
  restored?: Restored;
  /** children added while running in an earlier process, restored at the end of their supervisor's order */
  dynamic?: (supervisor: string) => AgentChildSpec[];
  /** the resolved config of an agent the config does not declare (a dynamic child) */
  cfgOf?: (name: string) => ResolvedAgentConfig | undefined;
}) {
  const { config, clock } = opts;
  const now = () => clock.now();
  const agent = agentMachine.provide({
    delays: {
      openDelay: ({ context }) => remaining(context.openUntil, now),
      restartDelay: ({ context }) => remaining(context.restartAt, now),
    },
  });
  // Nested supervisors run this same machine. A machine cannot name itself, so each level is provided
  // the level below it, as deep as the configured tree (no implementation is mutated after creation).
  const leaf = supervisorMachine.provide({
    actors: { agent },
    delays: { restartDelay: ({ context }) => remaining(context.pendingRestarts[0]?.restartAt, now) },
  });
  let machine = leaf;
  for (let d = treeDepth(config.supervisor); d > 0; d--) machine = leaf.provide({ actors: { supervisor: machine } });
  const input = supervisorInput(config, config.supervisor, false, opts.dynamic);
  const fresh = createActor(machine, { input, clock });
  const snapshot = opts.restored ? overlay(fresh.getPersistedSnapshot(), opts.restored) : undefined;
  const actor = createActor(machine, { input, inspect: opts.inspect, snapshot, clock });
  actor.on('transition', (e) => opts.publish(e.fact));
  const sups = supervisorNames(config.supervisor);
  actor.start();
  for (const name of sups.slice(1)) {
    actor.system.get(`supervisor:${name}`)?.on('transition', (e: { fact: TransitionFact }) => opts.publish(e.fact));
  }
  // Nested supervisors are spawned once and never replaced: their refs are kept, so their last state is
  // still readable after stop() (the final snapshot is written then, and the system forgets stopped actors).
  const nestedRefs = new Map<string, ActorRefFrom<typeof supervisorMachine>>();
  for (const name of sups.slice(1)) {
    const ref = actor.system.get(`supervisor:${name}`);
    if (isSupervisorRef(ref)) nestedRefs.set(name, ref);
  }
  const contextOf = (name: string): SupervisorContext | undefined => {
    if (name === config.supervisor.name) return actor.getSnapshot().context;
    return nestedRefs.get(name)?.getSnapshot().context;
  };
  const order = liveOrder(contextOf, config.supervisor.name);
  const slots = new Map<string, AgentSlot>();
  for (const name of order) {
    const ref = actor.system.get(`agent:${name}`);
    const cfg = config.agents[name] ?? opts.cfgOf?.(name);
    if (!cfg || !isAgentRef(ref)) continue;
    ref.on('transition', (e: { fact: TransitionFact }) => opts.publish(e.fact));
    slots.set(name, { cfg, ref, queue: createQueue<string>(), running: new Set() });
  }
  // Children spawned during start emitted their first facts before anyone could listen: record them now.
  if (!opts.restored) {
    for (const name of sups.slice(1)) opts.publish({ kind: 'supervisor', id: name, from: null, to: 'RUNNING', event: 'INIT' });
    for (const name of slots.keys()) {
      opts.publish({ kind: 'agent', id: name, from: null, to: 'CLOSED', event: 'INIT', agent: name });
      opts.publish({ kind: 'agent', id: name, from: null, to: 'STARTING', event: 'INIT', agent: name });
    }
  }
  /** the supervisor actor itself (the root, a nested one or a pool), to send it START_CHILD / DELETE_CHILD */
  const refOf = (name: string) => (name === config.supervisor.name ? actor : nestedRefs.get(name));
  const agentRef = (name: string) => {
    const ref = actor.system.get(`agent:${name}`);
    return isAgentRef(ref) ? ref : undefined;
  };
  return { actor, slots, order: () => liveOrder(contextOf, config.supervisor.name), supervisors: sups, contextOf, refOf, agentRef };
}

export type SupervisorHandle = ReturnType<typeof createSupervisorActor>;

/** The system's registry is untyped; an agent child is the one spawned from the `agent` source. */
function isAgentRef(ref: AnyActorRef | undefined): ref is ActorRefFrom<typeof agentMachine> {
  return ref !== undefined && ref.src === 'agent';
}

/** A nested supervisor is the child spawned from the `supervisor` source. */
function isSupervisorRef(ref: AnyActorRef | undefined): ref is ActorRefFrom<typeof supervisorMachine> {
  return ref !== undefined && ref.src === 'supervisor';
}

interface PersistedChild {
  src: string;
  snapshot: { value: unknown; context: Record<string, unknown>; children?: Record<string, PersistedChild> };
}

/**
 * A restarted process has none of the agents' resources: every agent starts again (STARTING), except
 * those an operator stopped or that escalated. Circuits and restart windows keep their state.
 */
function overlay(persisted: Snapshot<unknown>, restored: Restored): Snapshot<unknown> {
  const root = structuredClone(persisted) as unknown as PersistedChild['snapshot'];
  overlaySupervisor(root, restored);
  return root as unknown as Snapshot<unknown>;
}

function overlaySupervisor(p: PersistedChild['snapshot'], restored: Restored) {
  const s = restored.supervisors[p.context.name as string];
  if (s) {
    // A subtree caught mid-restart comes back running: its children start again anyway.
    const status = s.status === 'RESTARTING' ? 'RUNNING' : s.status;
    p.context = { ...p.context, status, restartTimes: s.restartTimes, streak: s.streak, escalatedAt: s.escalatedAt };
    p.value = status === 'RUNNING' ? { RUNNING: 'steady' } : status;
  }
  for (const [name, child] of Object.entries(p.children ?? {})) {
    if (child.src === 'supervisor') overlaySupervisor(child.snapshot, restored);
    else overlayAgent(child.snapshot, restored.agents[name]);
  }
}

function overlayAgent(p: PersistedChild['snapshot'], a: AgentState | undefined) {
  if (!a) return;
  const lifecycle = a.lifecycle === 'STOPPED' || a.lifecycle === 'ESCALATED' ? a.lifecycle : 'STARTING';
  const ctx: Partial<AgentContext> = {
    circuit: a.circuit,
    lifecycle,
    failures: a.failures,
    openedAt: a.openedAt,
    openUntil: a.openUntil,
    halfOpenAt: a.halfOpenAt,
    restarts: a.restarts,
    lastExit: a.lastExit,
  };
  p.context = { ...p.context, ...ctx };
  p.value = { circuit: a.circuit === 'OPEN' ? { OPEN: 'cooling' } : a.circuit, lifecycle };
}
