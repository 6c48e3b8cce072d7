// The outside world's view of agents, breakers and supervisors: plain JSON built from actor snapshots.
import type { AgentContext } from '../../machines/agent.ts';
import type { SupervisorContext } from '../../machines/supervisor.ts';
import type { AgentView, BreakerView } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';

export interface SupervisorView {
  name: string;
  strategy: string;
  status: string;
  restarts: number;
  children: Array<string | SupervisorView>;
  /** OTP count_children: child specs, children running, and how many of them are supervisors / workers */
  counts: { specs: number; active: number; supervisors: number; workers: number };
  autoShutdown: string;
  /** a pool (simple_one_for_one): its member limit */
  pool?: { max: number };
  /** children added while running (addAgent) */
  dynamic: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function agentContextOf(slot: AgentSlot): AgentContext {
  return slot.ref.getSnapshot().context;
}

export function breakerView(name: string, slot: AgentSlot, now: number): BreakerView {
  const c = agentContextOf(slot);
  const view: BreakerView = {
    agent: name,
    state: c.circuit,
    failures: c.failures.filter((t) => t > now - c.breaker.windowMs).length,
  };
  if (c.circuit !== 'CLOSED' && c.openedAt !== undefined) view.openedAt = iso(c.openedAt);
  // OPEN: when it will let probes through; HALF_OPEN: when it began to.
  const halfOpenAt = c.circuit === 'OPEN' ? c.openUntil : c.circuit === 'HALF_OPEN' ? c.halfOpenAt : undefined;
  if (halfOpenAt !== undefined) view.halfOpenAt = iso(halfOpenAt);
  return view;
}

export function agentView(name: string, slot: AgentSlot): AgentView {
  const c = agentContextOf(slot);
  const view: AgentView = {
    name,
    role: slot.cfg.role,
    lifecycle: c.lifecycle,
    circuit: c.circuit,
    restarts: c.restarts,
    inFlight: slot.running.size,
    queued: slot.queue.size,
    concurrency: slot.cfg.concurrency,
    external: !slot.cfg.run,
  };
  if (c.lastExit) view.lastExit = { at: iso(c.lastExit.at), reason: c.lastExit.reason };
  return view;
}

const ACTIVE_AGENT = new Set(['STARTING', 'RUNNING']);

/** The tree as the machines hold it now, dynamic children included; `lifecycle` reads an agent's. */
export function supervisorTree(
  name: string,
  contextOf: (name: string) => SupervisorContext | undefined,
  lifecycle: (agent: string) => string | undefined,
): SupervisorView | undefined {
  const c = contextOf(name);
  if (!c) return undefined;
  const children = c.children.map((ch) => (ch.kind === 'agent' ? ch.name : (supervisorTree(ch.name, contextOf, lifecycle) ?? ch.name)));
  const workers = c.children.filter((ch) => ch.kind === 'agent');
  const active = c.children.filter((ch) =>
    ch.kind === 'agent' ? ACTIVE_AGENT.has(lifecycle(ch.name) ?? '') : contextOf(ch.name)?.status === 'RUNNING',
  ).length;
  const view: SupervisorView = {
    name: c.name,
    strategy: c.pool ? 'simple_one_for_one' : c.strategy,
    status: c.status,
    restarts: c.restartTimes.length,
    children,
    counts: { specs: c.children.length, active, supervisors: c.children.length - workers.length, workers: workers.length },
    autoShutdown: c.autoShutdown ?? 'never',
    dynamic: workers.filter((ch) => ch.dynamic).map((ch) => ch.name),
  };
  if (c.pool) view.pool = { max: c.pool.max };
  return view;
}
