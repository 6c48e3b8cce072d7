// What one Warden's lifecycle, commands and queries share: its parts, its mutable state, and the
// checks every command makes before it acts.
import type { Logger } from 'pino';
import type { InspectionEvent, Observer } from 'xstate';
import type { ResolvedConfig, ResolvedSupervisorConfig } from '../config.ts';
import { WardenError } from '../errors.ts';
import type { RecoveryStrategy } from '../policy/recovery.ts';
import type { ArchiveCatalog } from '../store/archive-catalog.ts';
import type { ArchiveIndex } from '../store/archive-index.ts';
import { TERMINAL_STATUSES, type Clock, type TaskStatus, type UsageTotals } from '../types.ts';
import type { AgentHooks } from './agent-hooks.ts';
import type { AlertBook } from './alerts.ts';
import type { Cluster } from './cluster.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { DynamicChildren } from './dynamic.ts';
import type { Engine } from './engine.ts';
import type { Decide } from './failure-decision.ts';
import type { Persistence } from './persistence.ts';
import type { ProviderGates } from './providers.ts';
import type { RecordBus } from './record-bus.ts';
import type { Replay } from './replay.ts';
import type { Retention } from './retention.ts';
import type { createSupervisorActor } from './supervision.ts';
import type { TaskActors } from './task-actors.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';
import type { Tracing } from './tracing.ts';
import type { WardenState } from './warden-api.ts';

export type Inspect = Observer<InspectionEvent> | ((ev: InspectionEvent) => void);
export type SupervisorActor = ReturnType<typeof createSupervisorActor>;

export interface Core {
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly inspect?: Inspect;
  /** tasks are journaled and snapshotted (a data dir, durability other than memory) */
  readonly persist: boolean;
  /** journal files in dataDir (the file store); PostgreSQL keeps its own */
  readonly files: boolean;
  readonly strategies: ReadonlyMap<string, RecoveryStrategy>;
  readonly bus: RecordBus;
  readonly tasks: TaskTable;
  readonly agents: Map<string, AgentSlot>;
  /** agents under the supervisor tree in start order, dynamic children included */
  order(): readonly string[];
  /** every supervisor's config by name */
  readonly supervisorsByName: ReadonlyMap<string, ResolvedSupervisorConfig>;
  readonly dynamic: DynamicChildren;
  readonly alerts: AlertBook;
  readonly archive: ArchiveIndex;
  readonly replay: Replay;
  readonly actors: TaskActors;
  readonly engine: Engine;
  readonly decide: Decide;
  readonly hooks: AgentHooks;
  readonly tracing: Tracing;
  readonly retention: Retention;
  readonly gates: ProviderGates;
  /** what every attempt used since start (summed from the records), for health */
  used: UsageTotals;
  /** set by start(); absent without persistence */
  persistence?: Persistence;
  /** finished tasks that left memory, readable until retention; set by start() with persistence */
  catalog?: ArchiveCatalog;
  /** set by start() */
  supervisor?: SupervisorActor;
  /** the processes sharing the work, with the PostgreSQL store; set by start() */
  cluster?: Cluster;
  state: WardenState;
  startedAt: number;
}

/** A task that rests without an actor (restored, or waiting in a queue) gets one when something must happen to it. */
export function live(core: Pick<Core, 'actors'>, entry: TaskEntry): TaskActor | undefined {
  if (!entry.actor && !TERMINAL_STATUSES.includes(entry.context.status)) entry.actor = core.actors.revive(entry.context);
  return entry.actor;
}

export function mustRun(core: Core): void {
  if (core.state !== 'running') throw new WardenError('not_running', `warden is ${core.state}; call start() first`);
}

export function mustGet(core: Core, id: string): TaskEntry {
  const entry = typeof id === 'string' ? core.tasks.get(id) : undefined;
  if (!entry) throw new WardenError('not_found', `no task with id ${String(id)}`, { id });
  return entry;
}

export function mustAgent(core: Core, name: string): AgentSlot {
  const slot = typeof name === 'string' ? core.agents.get(name) : undefined;
  if (!slot) throw new WardenError('not_found', `no agent named ${String(name)}`, { agent: name });
  return slot;
}

export function refuse(id: string, what: string, status: TaskStatus): WardenError {
  return new WardenError('invalid_transition', `cannot ${what} task ${id} in state ${status}`, { id, status });
}
