// Creates the supervisor actor and its agent children, overlaying state restored from disk.
import { createActor, type AnyActorRef, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import { agentMachine, type AgentContext } from '../../machines/agent.ts';
import { supervisorMachine, type SupervisorInput } from '../../machines/supervisor.ts';
import type { ResolvedConfig, ResolvedSupervisorConfig } from '../config.ts';
import type { AgentState, SupervisorState } from '../store/state.ts';
import type { TransitionFact } from '../types.ts';
import type { AgentSlot } from './engine.ts';
import { createQueue } from './queue.ts';

/** setTimeout fires at once for delays past 2^31-1 ms; never hand it more. */
const MAX_TIMER_MS = 2_147_483_647;

export function remaining(deadline: number | undefined, now: () => number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, (deadline ?? 0) - now()));
}

/** Agents under the supervisor tree, in start order. */
export function agentOrder(s: ResolvedSupervisorConfig): string[] {
  return s.children.flatMap((c) => (typeof c === 'string' ? [c] : agentOrder(c)));
}

export interface Restored {
  agents: Record<string, AgentState>;
  supervisor?: SupervisorState;
}

export type SupervisorActor = ReturnType<typeof createSupervisorActor>['actor'];

export function createSupervisorActor(opts: {
  config: ResolvedConfig;
  now: () => number;
  inspect?: Observer<InspectionEvent> | ((ev: InspectionEvent) => void);
  publish: (fact: TransitionFact) => void;
  restored?: Restored;
}) {
  const { config, now } = opts;
  const agent = agentMachine.provide({
    delays: {
      openDelay: ({ context }) => remaining(context.openUntil, now),
      restartDelay: ({ context }) => remaining(context.restartAt, now),
    },
  });
  const machine = supervisorMachine.provide({ actors: { agent } });
  const root = config.supervisor;
  const order = agentOrder(root);
  const input: SupervisorInput = {
    name: root.name,
    strategy: root.strategy,
    maxRestarts: root.maxRestarts,
    withinMs: root.withinMs,
    backoff: root.backoff,
    resetBackoffAfterMs: root.resetBackoffAfterMs,
    children: order.map((name) => {
      const a = config.agents[name]!;
      return { name, breaker: a.breaker, concurrency: a.concurrency };
    }),
  };
  const fresh = createActor(machine, { input });
  const snapshot = opts.restored ? overlay(fresh.getPersistedSnapshot(), opts.restored) : undefined;
  fresh.stop();
  const actor = createActor(machine, { input, inspect: opts.inspect, snapshot });
  actor.on('transition', (e) => opts.publish(e.fact));
  actor.start();
  const slots = new Map<string, AgentSlot>();
  for (const name of order) {
    const ref = actor.getSnapshot().children[name] as AnyActorRef | undefined;
    const cfg = config.agents[name];
    if (!cfg || !ref) continue;
    ref.on('transition', (e: { fact: TransitionFact }) => opts.publish(e.fact));
    slots.set(name, { cfg, ref, queue: createQueue<string>(), running: new Set() });
  }
  return { actor, slots, order };
}

interface PersistedMachine {
  value: unknown;
  context: Record<string, unknown>;
  children: Record<string, { snapshot: { value: unknown; context: Record<string, unknown> } }>;
}

/**
 * A restarted process has none of the agents' resources: every agent starts again (STARTING), except
 * those an operator stopped or that escalated. Circuits keep their state and deadlines.
 */
function overlay(persisted: Snapshot<unknown>, restored: Restored): Snapshot<unknown> {
  const p = structuredClone(persisted) as unknown as PersistedMachine;
  if (restored.supervisor) {
    const s = restored.supervisor;
    p.context = { ...p.context, status: s.status, restartTimes: s.restartTimes, streak: s.streak, escalatedAt: s.escalatedAt };
    p.value = s.status;
  }
  for (const [name, child] of Object.entries(p.children)) {
    const a = restored.agents[name];
    if (!a) continue;
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
    child.snapshot.context = { ...child.snapshot.context, ...ctx };
    child.snapshot.value = { circuit: a.circuit, lifecycle };
  }
  return p as unknown as Snapshot<unknown>;
}
