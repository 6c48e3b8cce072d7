// The recovery protocol's types: what a strategy receives and what it decides. The strategies and the
// registry (recovery.ts) both import these, so they live apart from the registry (no import cycle).
import type { AgentLifecycle, CircuitState, TaskError } from '../types.ts';
import type { RetryDecision } from './decide.ts';

export interface RecoveryTask {
  id: string;
  type: string;
  agent: string;
  input: unknown;
  attempts: number;
  maxRetries: number;
  checkpoint?: unknown;
}

export interface AgentInfo {
  name: string;
  role: string;
  fallback?: string;
  circuit: CircuitState;
  lifecycle: AgentLifecycle;
}

export interface RecoveryContext {
  /** what the per-kind rule (decideRetry) says for this failure */
  retry: RetryDecision;
  agent(name: string): AgentInfo | undefined;
  /** names of agents with the same role as `name`, excluding `name`, in config order */
  peers(name: string): string[];
  /** the task type's degrade function, if configured */
  degrade?: (task: RecoveryTask, error: TaskError) => unknown;
}

export type Decision =
  | { action: 'retry'; agent: string; delayMs: number; timeoutMs?: number; strategy: string }
  | { action: 'degrade'; output: unknown; strategy: string }
  | { action: 'escalate'; reason: string; strategy: string };

export interface RecoveryStrategy {
  readonly name: string;
  /** a Decision takes the task; undefined passes it to the next strategy of the chain */
  recover(task: RecoveryTask, error: TaskError, ctx: RecoveryContext): Decision | undefined | Promise<Decision | undefined>;
}
