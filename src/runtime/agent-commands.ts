// What operators see and do to agents, breakers and supervisors: views, breaker reset, and an agent's
// restart / stop / start through its machine (refused when its lifecycle does not take the event).
import type { AgentEvent } from '../../machines/agent.ts';
import { WardenError } from '../errors.ts';
import type { AgentView } from '../types.ts';
import { mustAgent, mustRun, type Core } from './core.ts';
import { actorFrom } from './human.ts';
import { agentView, breakerView, supervisorTree } from './views.ts';
import type { Warden } from './warden-api.ts';

export type AgentCommands = Pick<
  Warden,
  'breakers' | 'resetBreaker' | 'agents' | 'agent' | 'restartAgent' | 'stopAgent' | 'startAgent' | 'supervisors' | 'addAgent' | 'removeAgent'
>;

export function agentCommands(core: Core): AgentCommands {
  const { agents } = core;
  const now = () => core.clock.now();

  function agentCommand(name: string, what: string, event: (at: number) => AgentEvent): AgentView {
    mustRun(core);
    const slot = mustAgent(core, name);
    const e = event(now());
    const snapshot = slot.ref.getSnapshot();
    if (!snapshot.can(e)) {
      const lifecycle = snapshot.context.lifecycle;
      throw new WardenError('invalid_transition', `cannot ${what} agent ${name} while it is ${lifecycle}`, { agent: name, lifecycle });
    }
    slot.ref.send(e);
    return agentView(name, slot);
  }

  return {
    breakers() {
      const at = now();
      return [...agents].map(([name, slot]) => breakerView(name, slot, at));
    },

    resetBreaker(name, o) {
      const slot = mustAgent(core, name);
      slot.ref.send({ type: 'RESET', at: now(), ...actorFrom(o) });
      core.engine.pump(name);
      return breakerView(name, slot, now());
    },

    agents: () => [...agents].map(([name, slot]) => agentView(name, slot)),
    agent: (name) => agentView(name, mustAgent(core, name)),
    restartAgent: (name, o) => agentCommand(name, 'restart', (at) => ({ type: 'RESTART', at, restartAt: at, ...actorFrom(o) })),
    stopAgent(name, o) {
      const view = agentCommand(name, 'stop', (at) => ({ type: 'STOP', at, ...actorFrom(o) }));
      core.dynamic.stopped(name);
      return view;
    },
    startAgent: (name, o) => agentCommand(name, 'start', (at) => ({ type: 'START', at, ...actorFrom(o) })),

    supervisors() {
      const root = supervisorTree(core.config.supervisor.name, (name) => core.supervisor?.contextOf(name), (a) => agents.get(a)?.ref.getSnapshot().context.lifecycle);
      return root ? [root] : [];
    },

    async addAgent(name, def, o) {
      mustRun(core);
      const { slot, fresh } = core.dynamic.add(name, def, o);
      // Its first start, as warden.start() makes the configured ones' (a restart comes from the records).
      if (fresh) await core.hooks.start(name);
      await core.persistence?.durable();
      return agentView(name, slot);
    },

    async removeAgent(name) {
      mustRun(core);
      core.dynamic.remove(name);
      await core.persistence?.durable();
    },
  };
}
