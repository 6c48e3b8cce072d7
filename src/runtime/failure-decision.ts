// Turns one failed attempt into the task machine's decision: the retry rule of its task type, then its
// recovery chain (retry, reassign, fallback, degrade, escalate, or a custom strategy) over the agents'
// health and roles.
import type { Logger } from 'pino';
import type { TaskDecision } from '../../machines/task.ts';
import type { ResolvedConfig } from '../config.ts';
import { decideRetry } from '../policy/decide.ts';
import { runRecovery, type AgentInfo, type RecoveryContext, type RecoveryStrategy } from '../policy/recovery.ts';
import type { TaskError } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { TaskEntry } from './tasks.ts';

/** `counted` is false when the failure was already counted before a crash cut the decision short. */
export type Decide = (entry: TaskEntry, error: TaskError, timeoutMs: number | undefined, counted?: boolean) => Promise<TaskDecision>;

export function createDecide(deps: {
  config: ResolvedConfig;
  agents: ReadonlyMap<string, AgentSlot>;
  strategies: ReadonlyMap<string, RecoveryStrategy>;
  random: () => number;
  logger: Logger;
}): Decide {
  const { config, agents, logger } = deps;

  function agentInfo(name: string): AgentInfo | undefined {
    const slot = agents.get(name);
    if (!slot) return undefined;
    const c = slot.ref.getSnapshot().context;
    return { name, role: slot.cfg.role, fallback: slot.cfg.fallback, circuit: c.circuit, lifecycle: c.lifecycle };
  }

  function peersOf(name: string): string[] {
    const role = agents.get(name)?.cfg.role;
    // An agent whose role is its own name (no role given) has no peers: reassign never moves its tasks.
    if (role === undefined || role === name) return [];
    return [...agents.values()].filter((s) => s.cfg.role === role && s.cfg.name !== name).map((s) => s.cfg.name);
  }

  return async function decide(entry, error, timeoutMs, counted = true) {
    const c = entry.context;
    const type = config.taskTypes[c.type] ?? config.taskTypes.default;
    if (!type) return { action: 'escalate', reason: `unknown task type ${c.type}` };
    // A spent budget is never retried, reassigned or degraded: a human decides.
    if (error.kind === 'budget') return { action: 'escalate', reason: error.message };
    const retry = decideRetry({
      error,
      attempts: c.attempts,
      maxRetries: c.maxRetries,
      failureCounts: counted ? { ...c.failureCounts, [error.kind]: (c.failureCounts[error.kind] ?? 0) + 1 } : c.failureCounts,
      backoff: type.backoff,
      rand: deps.random(),
      timeoutMs,
      maxTimeoutMs: agents.get(c.agent)?.cfg.maxTimeoutMs ?? Number.MAX_SAFE_INTEGER,
    });
    const ctx: RecoveryContext = {
      retry,
      agent: agentInfo,
      peers: peersOf,
      degrade: type.degrade ? (task, e) => type.degrade?.({ ...task, attempt: task.attempts }, e) : undefined,
    };
    const task = { id: c.id, type: c.type, agent: c.agent, input: c.input, attempts: c.attempts, maxRetries: c.maxRetries, checkpoint: c.checkpoint };
    const d = await runRecovery(type.recovery, deps.strategies, task, error, ctx, (name, err) =>
      logger.error({ strategy: name, errName: err instanceof Error ? err.name : typeof err }, 'recovery strategy threw'),
    );
    if (d.action === 'retry') return { action: 'retry', agent: d.agent, delayMs: d.delayMs, timeoutMs: d.timeoutMs };
    if (d.action === 'degrade') return { action: 'degrade', output: d.output };
    return { action: 'escalate', reason: d.reason };
  };
}
