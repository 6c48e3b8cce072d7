// Brings a Warden back from its data directory: opens the store, refills the task table and the
// alerts from what it restored, and sets every restored task moving again (an attempt the process
// died during fails as a crash; an external one is adopted; a cut-short decision is made now).
import type { Logger } from 'pino';
import type { SupervisorContext } from '../../machines/supervisor.ts';
import type { ResolvedConfig } from '../config.ts';
import { openArchiveCatalog, type ArchiveCatalog } from '../store/archive-catalog.ts';
import type { ArchiveIndex } from '../store/archive-index.ts';
import type { PersistedState, ProviderState } from '../store/state.ts';
import type { Clock, TaskError } from '../types.ts';
import type { Store } from '../store/contract.ts';
import { createFileStore } from '../store/file-store.ts';
import { createPostgresStore, type PostgresStore } from '../store/postgres-store.ts';
import type { AlertBook } from './alerts.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Engine } from './engine.ts';
import type { Decide } from './failure-decision.ts';
import { createPersistence, type Persistence } from './persistence.ts';
import type { RecordBus } from './record-bus.ts';
import { supervisorNames } from './supervision.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export async function openPersistence(d: {
  config: ResolvedConfig;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  alerts: AlertBook;
  archive: ArchiveIndex;
  bus: RecordBus;
  supervisor: (name: string) => SupervisorContext | undefined;
  provider: (name: string) => ProviderState | undefined;
  providerNames: () => readonly string[];
  clock: Clock;
  logger: Logger;
  /** what the PostgreSQL store asks of the cluster (which tasks this process holds) */
  cluster?: { holds(id: string): boolean; fenced(ids: string[]): void };
}): Promise<{ persistence: Persistence; restored: PersistedState; catalog?: ArchiveCatalog; postgres?: PostgresStore }> {
  const { config, tasks, alerts, logger } = d;
  const postgres = config.store ? openPostgres(d) : undefined;
  const store: Store =
    postgres ??
    createFileStore(config.dataDir, {
      durability: config.durability === 'fsync' ? 'fsync' : 'write',
      maxAlerts: config.maxAlerts,
      onError: (err) => logger.error({ err }, 'journal write failed'),
    });
  const { state: restored, warnings } = await store.open();
  // Opened once the store holds the data dir's lock. PostgreSQL keeps finished tasks in its own rows.
  const catalog = postgres ? undefined : openArchiveCatalog(config.dataDir, {
    // A quarter of retention a file: pruning whole files then frees disk at most a quarter late.
    fileSpanMs: Math.max(60_000, config.retentionMs / 4),
    onError: (err) => logger.error({ err }, 'archive catalogue write failed'),
  });
  const persistence = createPersistence({
    store,
    tasks,
    agents: d.agents,
    supervisor: d.supervisor,
    supervisorNames: supervisorNames(config.supervisor),
    provider: d.provider,
    providerNames: d.providerNames,
    alerts: () => alerts.list(config.maxAlerts),
    // A snapshot leaves out the tasks that left memory: the catalogue must hold them first.
    archive: () => {
      catalog?.flush();
      return d.archive.toJSON();
    },
    seq: () => d.bus.seq,
    clock: d.clock,
    logger,
    snapshotEvery: config.snapshotEvery,
    snapshotIntervalMs: config.snapshotIntervalMs,
  });
  d.bus.resumeAt(restored.seq);
  alerts.load(restored.alerts);
  d.archive.load(restored.archive ?? [], restored.archived ?? [], d.clock.now());
  for (const [id, t] of Object.entries(restored.tasks)) {
    // One string for the id: JSON.parse gave the context and every record a copy of their own.
    t.ctx.id = id;
    for (const r of t.history) r.id = id;
    tasks.add({ id, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: t.history });
  }
  tasks.recount();
  for (const w of warnings) alerts.raise('WARNING', 'store', w);
  return { persistence, restored, catalog, postgres };
}

function openPostgres(d: Parameters<typeof openPersistence>[0]): PostgresStore | undefined {
  const pg = d.config.store?.postgres;
  if (!pg) return undefined;
  const { logger } = d;
  return createPostgresStore({
    connectionString: pg.connectionString,
    schema: pg.schema,
    node: d.config.node,
    clock: d.clock,
    maxAlerts: d.config.maxAlerts,
    maxFinished: d.config.maxFinishedInMemory,
    leaseMs: d.config.leaseMs,
    holds: (id) => d.cluster?.holds(id) ?? false,
    onFenced: (ids) => d.cluster?.fenced(ids),
    onError: (err) => logger.error({ errName: err instanceof Error ? err.name : typeof err, errCode: (err as { code?: unknown }).code }, 'PostgreSQL write failed; kept and retried'),
    onHealthy: (up) => (up ? logger.info('PostgreSQL writes resumed') : logger.error('PostgreSQL is not taking writes')),
  });
}

export interface Resume {
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  engine: Engine;
  decide: Decide;
  clock: Clock;
  logger: Logger;
  live: (entry: TaskEntry) => TaskActor | undefined;
}

/** Sets every restored task moving again; timed states keep only their remaining time. */
export function resumeTasks(d: Resume): void {
  for (const entry of [...d.tasks.all()]) resumeTask(d, entry);
}

/** One task as a restart (or a takeover of a dead process's lease) finds it, moving again. */
export function resumeTask(d: Resume, entry: TaskEntry): void {
  const c = entry.context;
  // An agent that no longer exists adopts nothing: its attempt failed with the process, like any other.
  const slot = d.agents.get(c.agent);
  const external = slot !== undefined && !slot.cfg.run;
  if (c.status === 'PENDING') d.live(entry)?.send({ type: 'ASSIGN' });
  else if (c.status === 'ASSIGNED') d.engine.enqueue(entry);
  else if (c.status === 'RETRY_WAIT') d.live(entry)?.send({ type: 'RESUME' });
  else if (c.status === 'FAILED') void redecide(d, entry);
  else if (c.status === 'IN_PROGRESS' && external) d.engine.adopt(entry);
  else if (c.status === 'IN_PROGRESS') void failCrashed(d, entry);
}



/** An in-process attempt the process died during: it failed with `crash` and follows its policy like any failure. */
async function failCrashed(d: Resume, entry: TaskEntry) {
  const actor = d.live(entry);
  const c = entry.context;
  const error: TaskError = { kind: 'crash', message: `the process stopped during attempt ${c.attempts}` };
  const timeoutMs = c.timeoutMs ?? d.agents.get(c.agent)?.cfg.timeoutMs;
  d.logger.warn({ task: c.id, agent: c.agent, attempt: c.attempts, errorKind: 'crash' }, 'attempt lost in a crash');
  const decision = await d.decide(entry, error, timeoutMs);
  actor?.send({ type: 'FAIL', attempt: c.attempts, at: d.clock.now(), error, decision });
}

/** A task left FAILED by a crash between its failure and the decision: decide now (its failure is already counted). */
async function redecide(d: Resume, entry: TaskEntry) {
  const actor = d.live(entry);
  const error = entry.context.error ?? { kind: 'crash', message: 'failure lost in a crash' };
  const decision = await d.decide(entry, error, entry.context.timeoutMs, false);
  actor?.send({ type: 'DECIDE', decision });
}
