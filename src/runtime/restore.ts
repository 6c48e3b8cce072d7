// Brings a Warden back from its data directory: opens the store, refills the task table and the
// alerts from what it restored, and sets every restored task moving again.
import type { Logger } from 'pino';
import type { SupervisorContext } from '../../machines/supervisor.ts';
import type { ResolvedConfig } from '../config.ts';
import type { ArchiveIndex } from '../store/archive-index.ts';
import type { PersistedState } from '../store/state.ts';
import type { Clock } from '../types.ts';
import type { Store } from '../store/contract.ts';
import { createFileStore } from '../store/file-store.ts';
import { createPostgresStore, type PostgresStore } from '../store/postgres-store.ts';
import type { AlertBook } from './alerts.ts';
import type { AgentSlot, Engine } from './engine.ts';
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
  clock: Clock;
  logger: Logger;
  /** what the PostgreSQL store asks of the cluster (which tasks this process holds) */
  cluster?: { holds(id: string): boolean; fenced(ids: string[]): void };
}): Promise<{ persistence: Persistence; restored: PersistedState; postgres?: PostgresStore }> {
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
  const persistence = createPersistence({
    store,
    tasks,
    agents: d.agents,
    supervisor: d.supervisor,
    supervisorNames: supervisorNames(config.supervisor),
    alerts: () => alerts.list(config.maxAlerts),
    archive: () => d.archive.toJSON(),
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
    tasks.add({ id, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: t.history });
  }
  tasks.recount();
  for (const w of warnings) alerts.raise('WARNING', 'store', w);
  return { persistence, restored, postgres };
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

/** Sets every restored task moving again; timed states keep only their remaining time. */
export function resumeTasks(
  tasks: TaskTable,
  agents: Map<string, AgentSlot>,
  engine: Engine,
  live: (entry: TaskEntry) => TaskActor | undefined,
): void {
  for (const entry of [...tasks.all()]) {
    const c = entry.context;
    const external = !agents.get(c.agent)?.cfg.run;
    if (c.status === 'PENDING') live(entry)?.send({ type: 'ASSIGN' });
    else if (c.status === 'ASSIGNED') engine.enqueue(entry);
    else if (c.status === 'RETRY_WAIT') live(entry)?.send({ type: 'RESUME' });
    else if (c.status === 'FAILED') void engine.redecide(entry);
    else if (c.status === 'IN_PROGRESS' && external) engine.adopt(entry);
    else if (c.status === 'IN_PROGRESS') void engine.failRestored(entry);
  }
}
