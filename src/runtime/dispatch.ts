// The engine's queues: each agent's queue of ASSIGNED tasks, drained through the agent's breaker, its
// concurrency and its provider's gate; a task that waits in a queue rests without an actor.
import { admitsCall, type AgentContext } from '../../machines/agent.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { EngineDeps } from './engine-deps.ts';
import type { TaskEntry } from './tasks.ts';

export interface Dispatch {
  enqueue(entry: TaskEntry): void;
  pump(agent: string): void;
  /** drops the actor of a task that waits in a queue (outside any transition of it) */
  rest(entry: TaskEntry): void;
  setDispatching(on: boolean): void;
}

export interface DispatchDeps {
  engine: Pick<EngineDeps, 'tasks' | 'agents' | 'clock' | 'gates' | 'mayProbe' | 'orphan' | 'holds'>;
  /** whether the task has an attempt in flight */
  running(id: string): boolean;
  /** starts an attempt of an admitted task */
  start(entry: TaskEntry, slot: AgentSlot, epoch: number): void;
}

export const agentContext = (slot: AgentSlot): AgentContext => slot.ref.getSnapshot().context;

export function createDispatch(d: DispatchDeps): Dispatch {
  const { tasks, agents, clock, gates } = d.engine;
  // An agent that answers synchronously would otherwise recurse pump → complete → pump once per queued task.
  const pumping = new Set<string>();
  let dispatching = false;

  function pump(name: string) {
    const slot = agents.get(name);
    if (!slot || !dispatching || pumping.has(name)) return;
    pumping.add(name);
    try {
      drain(slot, name);
    } finally {
      pumping.delete(name);
    }
  }

  // A task waiting in a queue needs no actor: it rests as its context (a few hundred bytes instead of
  // a few KiB) and live() revives it when it is dispatched. Done after the turn, outside any transition.
  const sleepy = new Set<TaskEntry>();
  function hibernateLater(entry: TaskEntry) {
    if (sleepy.size === 0) setImmediate(hibernate);
    sleepy.add(entry);
  }
  function hibernate() {
    for (const entry of sleepy) rest(entry);
    sleepy.clear();
  }
  function rest(entry: TaskEntry) {
    if (entry.actor && entry.context.status === 'ASSIGNED' && !d.running(entry.id)) {
      entry.actor.stop();
      entry.actor = undefined;
    }
  }

  function admitsNow(slot: AgentSlot): boolean {
    const c = agentContext(slot);
    if (c.circuit === 'HALF_OPEN' && d.engine.mayProbe && !d.engine.mayProbe(slot.cfg.name)) return false;
    return admitsCall(c, slot.running.size, slot.cfg.concurrency) && gates.admits(slot.cfg.provider);
  }

  function drain(slot: AgentSlot, name: string) {
    while (slot.queue.size > 0 && admitsNow(slot)) {
      const id = slot.queue.shift() as string;
      const entry = tasks.get(id);
      // A queued id may be stale: cancelled, re-routed to another agent, or (on a cluster) taken over
      // by another process, whose records make it look ASSIGNED here again.
      if (!entry || entry.context.status !== 'ASSIGNED' || entry.context.agent !== name) continue;
      if (d.engine.holds && !d.engine.holds(id)) continue;
      const before = agentContext(slot);
      if (before.circuit === 'HALF_OPEN') slot.ref.send({ type: 'ACQUIRE', at: clock.now() });
      d.start(entry, slot, before.epoch);
      // Pumped from inside the agent's own transition (its HALF_OPEN record), ACQUIRE waits in the
      // agent's mailbox and the probe count is stale: admit one probe, resume after.
      if (before.circuit === 'HALF_OPEN' && agentContext(slot) === before) {
        queueMicrotask(() => pump(name));
        return;
      }
    }
  }

  return {
    enqueue(entry) {
      const slot = agents.get(entry.context.agent);
      if (!slot) return d.engine.orphan?.(entry);
      slot.queue.push(entry.id);
      pump(slot.cfg.name);
      if (entry.context.status === 'ASSIGNED' && !d.running(entry.id)) hibernateLater(entry);
    },
    pump,
    rest,
    setDispatching(on) {
      dispatching = on;
      if (on) for (const name of agents.keys()) pump(name);
    },
  };
}
