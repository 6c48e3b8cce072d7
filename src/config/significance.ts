// OTP's rules for significant children, checked over the whole supervisor tree: a significant child
// must be transient or temporary, and its supervisor's autoShutdown must not be 'never' (OTP rejects
// both child specs). Agents the root's list leaves out are the root's children.
import type { z } from 'zod';
import { ROOT_SUPERVISOR_NAME, type AgentConfig, type NestedSupervisorConfig, type PoolConfig, type SupervisorConfig } from './types.ts';

type Child = string | NestedSupervisorConfig | PoolConfig;
type Path = (string | number)[];

export function isPoolChild(c: unknown): c is PoolConfig {
  return typeof c === 'object' && c !== null && 'pool' in c;
}

/** Why a child that says `significant: true` may not, or undefined when it may. */
export function significantProblem(restart: AgentConfig['restart'], autoShutdown: SupervisorConfig['autoShutdown'], supervisor: string): string | undefined {
  if ((restart ?? 'permanent') === 'permanent') {
    return "must be false for a permanent child: only a 'transient' or 'temporary' child can be significant (as in OTP)";
  }
  if ((autoShutdown ?? 'never') === 'never') {
    return `must be false while supervisor "${supervisor}" has autoShutdown 'never' (as in OTP, set autoShutdown to 'any_significant' or 'all_significant')`;
  }
  return undefined;
}

export function checkSignificance(agents: Record<string, AgentConfig>, root: SupervisorConfig | undefined, issues: z.RefinementCtx): void {
  const listed = new Set<string>();
  const flag = (path: Path, message: string | undefined) => {
    if (message) issues.addIssue({ code: 'custom', path, message });
  };
  const walk = (s: SupervisorConfig, name: string, children: readonly Child[], path: Path): void => {
    children.forEach((c, i) => {
      if (typeof c === 'string') {
        listed.add(c);
        if (agents[c]?.significant) flag(['agents', c, 'significant'], significantProblem(agents[c]?.restart, s.autoShutdown, name));
        return;
      }
      // A nested supervisor or a pool that may shut itself down is transient to its parent.
      if (c.significant) flag([...path, i, 'significant'], significantProblem('transient', s.autoShutdown, name));
      if (isPoolChild(c)) {
        const a = c.pool.agent;
        if (a.significant) flag([...path, i, 'pool', 'agent', 'significant'], significantProblem(a.restart, c.autoShutdown, c.name));
        return;
      }
      walk(c, c.name, (c.children ?? []) as Child[], [...path, i, 'children']);
    });
  };
  walk(root ?? {}, ROOT_SUPERVISOR_NAME, (root?.children ?? []) as Child[], ['supervisor', 'children']);
  for (const [name, a] of Object.entries(agents)) {
    if (!listed.has(name) && a.significant) flag(['agents', name, 'significant'], significantProblem(a.restart, root?.autoShutdown, ROOT_SUPERVISOR_NAME));
  }
}
