// A small world of agents for the recovery tests.
import type { RetryDecision } from '../../src/policy/decide.ts';
import type { AgentInfo, RecoveryContext, RecoveryTask } from '../../src/policy/recovery.ts';
import type { TaskError } from '../../src/types.ts';

export const RETRY: RetryDecision = { retry: true, delayMs: 250 };
export const NO_RETRY: RetryDecision = { retry: false, reason: 'auth errors are never retried' };
export const ERROR: TaskError = { kind: 'server', message: 'HTTP 503', status: 503 };

export function agent(name: string, over: Partial<AgentInfo> = {}): AgentInfo {
  return { name, role: 'coder', circuit: 'CLOSED', lifecycle: 'RUNNING', ...over };
}

export function task(over: Partial<RecoveryTask> = {}): RecoveryTask {
  return { id: 't1', type: 'default', agent: 'a', input: { q: 1 }, attempts: 1, maxRetries: 3, ...over };
}

/** Peers are the agents of the same role, in the order given. */
export function context(agents: AgentInfo[], over: Partial<RecoveryContext> = {}): RecoveryContext {
  const byName = new Map(agents.map((a) => [a.name, a]));
  return {
    retry: RETRY,
    agent: (name) => byName.get(name),
    peers: (name) => {
      const role = byName.get(name)?.role;
      return agents.filter((a) => a.role === role && a.name !== name).map((a) => a.name);
    },
    ...over,
  };
}
