// What a cluster process's parts need from the runtime: its config and PostgreSQL store, the task and
// agent tables, the engine, and the clock.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config.ts';
import type { PostgresStore } from '../store/postgres-store.ts';
import type { Clock } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Engine } from './engine.ts';
import type { Decide } from './failure-decision.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export interface ClusterDeps {
  config: ResolvedConfig;
  store: PostgresStore;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  engine: Engine;
  live(entry: TaskEntry): TaskActor | undefined;
  settled(entry: TaskEntry): void;
  decide: Decide;
  clock: Clock;
  logger: Logger;
}
