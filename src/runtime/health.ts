// The detailed health: one pure rule over the views. An escalated root supervisor, or every agent
// down, is failing; an open circuit or one escalated agent is degraded.
import type { AgentView, BreakerView } from '../types.ts';
import type { SupervisorView } from './views.ts';
import type { Health, WardenState } from './warden-api.ts';

export function healthOf(v: {
  state: WardenState;
  uptimeMs: number;
  agents: AgentView[];
  breakers: BreakerView[];
  supervisors: SupervisorView[];
  providers: Health['providers'];
  usage: Health['usage'];
  tasks: Health['tasks'];
  storage?: Health['storage'];
  /** false while the PostgreSQL store is lost (undefined with the file store) */
  storeUp?: boolean;
}): Health {
  const failing =
    v.storeUp === false ||
    v.supervisors.some((s) => s.status === 'ESCALATED') ||
    (v.agents.length > 0 && v.agents.every((a) => a.lifecycle === 'ESCALATED' || a.lifecycle === 'STOPPED'));
  const degraded =
    v.breakers.some((b) => b.state === 'OPEN') || v.agents.some((a) => a.lifecycle === 'ESCALATED') || v.providers.some((p) => p.gate === 'CLOSED');
  return {
    status: failing ? 'failing' : degraded ? 'degraded' : 'ok',
    state: v.state,
    ready: v.state === 'running' && v.storeUp !== false,
    uptimeMs: v.uptimeMs,
    agents: v.agents,
    breakers: v.breakers,
    supervisors: v.supervisors,
    providers: v.providers,
    usage: v.usage,
    tasks: v.tasks,
    ...(v.storage ? { storage: v.storage } : {}),
  };
}
