// What the simulator needs to know about a user's config, read defensively from the raw object (it
// may come from any module): each agent's provider, whether it runs in-process, is an external
// executor or only owns a resource, and its time limit.
import { AGENT_DEFAULTS, type WardenConfig } from '../config.ts';
import { isRecord } from '../config/schemas.ts';

export type AgentKind = 'in-process' | 'external' | 'resource';

export interface AgentFacts {
  name: string;
  /** `agent.provider` once provider gates exist; until then (and when unset) the agent's own name */
  provider: string;
  kind: AgentKind;
  timeoutMs: number;
  heartbeatTimeoutMs?: number;
  /** has a start() hook: the simulator replaces it with a scripted resource */
  resource: boolean;
}

export interface Topology {
  agents: AgentFacts[];
  /** provider → its agents, in declaration order */
  providers: Map<string, string[]>;
  /** agents that take tasks (in-process or external), in declaration order */
  workers: string[];
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

export function topologyOf(config: WardenConfig): Topology {
  const raw: unknown = config.agents;
  const agents: AgentFacts[] = [];
  for (const [name, def] of Object.entries(isRecord(raw) ? raw : {})) {
    const d = isRecord(def) ? def : {};
    const provider = typeof d.provider === 'string' && d.provider ? d.provider : name;
    const resource = typeof d.start === 'function';
    const kind: AgentKind = typeof d.run === 'function' ? 'in-process' : resource ? 'resource' : 'external';
    const heartbeatTimeoutMs = positive(d.heartbeatTimeoutMs);
    agents.push({ name, provider, kind, timeoutMs: positive(d.timeoutMs) ?? AGENT_DEFAULTS.timeoutMs, resource, ...(heartbeatTimeoutMs ? { heartbeatTimeoutMs } : {}) });
  }
  const providers = new Map<string, string[]>();
  for (const a of agents) if (a.kind !== 'resource') providers.set(a.provider, [...(providers.get(a.provider) ?? []), a.name]);
  return { agents, providers, workers: agents.filter((a) => a.kind !== 'resource').map((a) => a.name) };
}

/** The agents a scenario's target names: an agent, every agent of a provider, or `*` for all workers. */
export function targetAgents(topology: Topology, target: string): string[] | undefined {
  if (target === '*') return topology.workers;
  if (topology.agents.some((a) => a.name === target)) return [target];
  return topology.providers.get(target);
}
