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

export function supervisorView(c: SupervisorContext, children: Array<string | SupervisorView>): SupervisorView {
  return { name: c.name, strategy: c.strategy, status: c.status, restarts: c.restartTimes.length, children };
}
