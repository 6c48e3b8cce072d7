// What an agent added while running is made of: its def checked like a configured agent's (a clear
// error naming the field), a pool member's config built from its pool's spec plus the limits it may
// override, the declarative part that is journaled, and the specs a restarted process brings back.
import type { AgentChildSpec } from '../../machines/supervisor.ts';
import type { AgentConfig, ResolvedAgentConfig, ResolvedConfig, ResolvedSupervisorConfig } from '../config.ts';
import { formatPath, resolveAgent } from '../config/resolve.ts';
import { agentSchema, isRecord } from '../config/schemas.ts';
import { significantProblem } from '../config/significance.ts';
import { WardenError } from '../errors.ts';
import type { AgentState, DynamicChildState, SupervisorState } from '../store/state.ts';
import { agentChildSpec } from './supervision.ts';

/** Names of dynamic agents: as configured ones, plus ':' (`tenant:42`). */
export const DYNAMIC_AGENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The settings that survive a restart (and all HTTP may send): no functions. */
export const DECLARATIVE_KEYS = [
  'role', 'concurrency', 'timeoutMs', 'maxTimeoutMs', 'heartbeatTimeoutMs', 'breaker', 'fallback', 'restart', 'shutdownMs', 'significant',
] as const;

/** What a pool member may set for itself; the rest (run, start, stop, role, restart, significant) is the pool's. */
export const MEMBER_KEYS: readonly string[] = ['concurrency', 'timeoutMs', 'maxTimeoutMs', 'heartbeatTimeoutMs', 'breaker', 'fallback', 'shutdownMs'];

const CODE_KEYS = ['run', 'start', 'stop'] as const;

export function declarative(def: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(DECLARATIVE_KEYS.filter((k) => def[k] !== undefined).map((k) => [k, def[k]]));
}

export function hasCode(def: Record<string, unknown>): boolean {
  return CODE_KEYS.some((k) => def[k] !== undefined);
}

/** Checks a def with the config's own agent schema; `invalid_input` naming the first wrong field. */
export function checkDef(name: string, def: Record<string, unknown>, agentNames: readonly string[]): AgentConfig {
  const parsed = agentSchema(name, { agentNames, strategyNames: [] }).safeParse(def);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = [...(issue?.path ?? [])];
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) keys.push(issue.keys[0]);
  const field = formatPath(['def', ...keys]);
  throw new WardenError('invalid_input', `${field} ${issue?.message ?? 'is not valid'}`, { field });
}

/** A member's config: the pool's spec with the member's own limits over it, under the member's name. */
export function memberConfig(pool: ResolvedAgentConfig, name: string, overrides: Record<string, unknown>): ResolvedAgentConfig {
  const { name: _pool, ...base } = pool;
  const merged: AgentConfig = { ...base, ...overrides };
  // A member that sets its own timeout gets the default cap for it, not the pool's.
  if (overrides['timeoutMs'] !== undefined && overrides['maxTimeoutMs'] === undefined) delete merged.maxTimeoutMs;
  if (isRecord(overrides['breaker'])) merged.breaker = { ...base.breaker, ...overrides['breaker'] };
  return resolveAgent(name, merged);
}

/** The config of a new child of `sup`: a member from its pool's spec, else the def itself. */
export function childConfig(name: string, sup: ResolvedSupervisorConfig, def: Record<string, unknown>, agentNames: readonly string[]): ResolvedAgentConfig {
  if (sup.pool) {
    const own = Object.keys(def).find((k) => !MEMBER_KEYS.includes(k));
    if (own !== undefined) {
      throw new WardenError('invalid_input', `def.${own} is the pool's: members of ${sup.name} share its spec (a member may set ${MEMBER_KEYS.join(', ')})`, { field: `def.${own}` });
    }
    checkDef(name, def, agentNames);
    return memberConfig(sup.pool.agent, name, def);
  }
  const checked = checkDef(name, def, agentNames);
  if (checked.significant) {
    const problem = significantProblem(checked.restart, sup.autoShutdown, sup.name);
    if (problem) throw new WardenError('invalid_input', `def.significant ${problem}`, { field: 'def.significant' });
  }
  return resolveAgent(name, checked);
}

export function dynamicSpec(cfg: ResolvedAgentConfig, state: DynamicChildState): AgentChildSpec {
  const { name: _name, ...dynamic } = state;
  return { ...agentChildSpec(cfg), dynamic };
}

export interface RestoredChildren {
  /** specs per supervisor, in start order */
  bySupervisor: Map<string, AgentChildSpec[]>;
  cfgs: Map<string, ResolvedAgentConfig>;
  /** supervisor of each restored child */
  owners: Map<string, string>;
  /** children whose functions did not survive: held STOPPED until addAgent supplies them again */
  awaitingCode: Set<string>;
  /** what could not be restored, for a WARNING alert each */
  problems: string[];
}

const NO_CODE_REASON = 'awaiting its code: its run/start/stop did not survive the restart; call addAgent(name, def) again';

/**
 * The dynamic children of the last process, from the restored supervisors. A child whose supervisor or
 * pool is gone from the config, or whose name the config now declares, is left out and named.
 * Children waiting for their code are marked STOPPED in `agents` (changed in place, before the overlay).
 * Agents of the saved state that are neither configured nor restored are named too.
 */
export function restoreChildren(
  config: ResolvedConfig,
  sups: ReadonlyMap<string, ResolvedSupervisorConfig>,
  supervisors: Record<string, SupervisorState>,
  agents: Record<string, AgentState>,
): RestoredChildren {
  const out: RestoredChildren = { bySupervisor: new Map(), cfgs: new Map(), owners: new Map(), awaitingCode: new Set(), problems: [] };
  const names = [...Object.keys(config.agents), ...Object.values(supervisors).flatMap((st) => (st.dynamic ?? []).map((d) => d.name))];
  for (const [supName, st] of Object.entries(supervisors)) {
    for (const d of st.dynamic ?? []) {
      const sup = sups.get(supName);
      const problem = !sup
        ? `supervisor ${supName} is no longer in the config`
        : d.pool !== undefined && !sup.pool
          ? `pool ${d.pool} is no longer in the config`
          : config.agents[d.name] || out.cfgs.has(d.name)
            ? 'the config now declares an agent of that name'
            : undefined;
      if (problem || !sup) {
        out.problems.push(`dynamic agent ${d.name} was not restored: ${problem}; its tasks follow their policy`);
        continue;
      }
      let cfg: ResolvedAgentConfig;
      try {
        cfg = sup.pool ? memberConfig(sup.pool.agent, d.name, d.def) : resolveAgent(d.name, checkDef(d.name, d.def, names));
      } catch (err) {
        out.problems.push(`dynamic agent ${d.name} was not restored: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      out.cfgs.set(d.name, cfg);
      out.owners.set(d.name, supName);
      const list = out.bySupervisor.get(supName) ?? [];
      list.push(dynamicSpec(cfg, d));
      out.bySupervisor.set(supName, list);
      if (!sup.pool && d.code) {
        out.awaitingCode.add(d.name);
        const a = agents[d.name] ?? { circuit: 'CLOSED', lifecycle: 'STOPPED', failures: [], restarts: 0 };
        agents[d.name] = { ...a, lifecycle: 'STOPPED', lastExit: { at: a.lastExit?.at ?? 0, reason: NO_CODE_REASON, crash: false } };
      }
    }
  }
  for (const a of Object.keys(agents)) {
    if (!config.agents[a] && !out.cfgs.has(a)) {
      out.problems.push(`agent ${a} is in the saved state but not in the config (nor a restored dynamic agent); its waiting tasks follow their policy`);
    }
  }
  return out;
}
