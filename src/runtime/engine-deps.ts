// What the engine and its parts need from the runtime: the tables, the clock, the journal, the
// failure decision, the provider gates, and the cluster's say on probes.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config.ts';
import type { Clock } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Decide } from './failure-decision.ts';
import type { ProviderGates } from './providers.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export interface EngineDeps {
  config: ResolvedConfig;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  clock: Clock;
  logger: Logger;
  /** the task's actor, revived from its context if it has none (a waiting task may rest without one) */
  live(entry: TaskEntry): TaskActor | undefined;
  /** journals a checkpoint (not a state change, but part of the task's state) */
  onCheckpoint(taskId: string, attempt: number, data: unknown): void;
  /** journals an agent whose breaker counted a failure without changing state */
  onAgentChange(agent: string): void;
  /** resolves once the journal holds what was recorded so far (undefined without a journal) */
  durable?(): Promise<void> | undefined;
  decide: Decide;
  /** the providers' gates and buckets: no agent of a closed provider is called */
  gates: ProviderGates;
  /** a task assigned to an agent that does not exist (removed, or gone from the config) */
  orphan?(entry: TaskEntry): void;
  /** whether this process may start the task's attempts (a cluster process only the tasks it holds); undefined = always */
  holds?(id: string): boolean;
  /** whether a half-open probe may go out here (a cluster elects one process); undefined = always */
  mayProbe?(agent: string): boolean;
}
