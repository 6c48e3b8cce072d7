// Turns the runtime's records into journal lines, and the runtime's live state into snapshots.
import type { Logger } from 'pino';
import type { AgentContext } from '../../machines/agent.ts';
import type { SupervisorContext } from '../../machines/supervisor.ts';
import type { Store, StoreEntry } from '../store/contract.ts';
import type { AgentState, PersistedState, PersistedTask, ProviderState, SupervisorState, TaskPatch } from '../store/state.ts';
import { SCHEMA_VERSION } from '../store/state.ts';
import type { ArchiveGeneration } from '../store/archive-index.ts';
import type { Alert, Clock, TransitionRecord } from '../types.ts';
import { every } from './clock.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { TaskEntry, TaskTable } from './tasks.ts';

export interface Persistence {
  record(r: TransitionRecord): void;
  alert(a: Alert): void;
  checkpoint(id: string, attempt: number, data: unknown): void;
  agent(name: string): void;
  heartbeat(id: string, at: number, deadlineAt: number | undefined): void;
  /** resolves once everything recorded so far is durable */
  durable(): Promise<void>;
  /** writes buffered journal lines now */
  flush(): void;
  snapshot(): Promise<void>;
  close(): Promise<void>;
}

export interface PersistenceDeps {
  store: Store;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  supervisor(name: string): SupervisorContext | undefined;
  supervisorNames: readonly string[];
  /** a provider gate's state, and every provider's name */
  provider(name: string): ProviderState | undefined;
  providerNames(): readonly string[];
  alerts(): Alert[];
  archive(): ArchiveGeneration[];
  /** the seq of the last record published */
  seq(): number;
  clock: Clock;
  logger: Logger;
  snapshotEvery: number;
  snapshotIntervalMs: number;
}

export function createPersistence(deps: PersistenceDeps): Persistence {
  const { store, tasks, agents, logger } = deps;
  let sinceSnapshot = 0;
  let lastSnapshotMs = 0;
  let lastSnapshotEnd = 0;
  const timer = every(deps.clock, deps.snapshotIntervalMs, () => {
    if (sinceSnapshot > 0) void snapshot();
  });

  function snapshot(): Promise<void> {
    sinceSnapshot = 0;
    // The snapshot's cost is real work measured on the real timer, whatever clock the runtime runs on.
    const started = performance.now();
    return store
      .snapshot((n, o) => buildState(deps, n, o.tasks))
      .then(() => {
        lastSnapshotEnd = performance.now();
        lastSnapshotMs = lastSnapshotEnd - started;
      })
      .catch((err: unknown) => logger.error({ errName: err instanceof Error ? err.name : typeof err, err }, 'snapshot failed'));
  }

  // One snapshot asked for at a time: every line of a busy turn past the threshold used to schedule
  // its own, and the PostgreSQL store wrote each of them.
  let due = false;
  function written() {
    sinceSnapshot++;
    // A snapshot rewrites everything, so it is spaced to cost at most about a tenth of the time.
    if (!due && sinceSnapshot >= deps.snapshotEvery && performance.now() - lastSnapshotEnd > lastSnapshotMs * 10) {
      due = true;
      setImmediate(() => {
        due = false;
        void snapshot();
      });
    }
  }

  return {
    record(r) {
      if (r.kind === 'task') {
        const entry = tasks.get(r.id);
        if (entry) store.append({ r, task: taskPatch(entry, r) });
      } else if (r.kind === 'agent') {
        const slot = agents.get(r.id);
        if (slot) store.append({ r, agent: agentState(slot.ref.getSnapshot().context) });
      } else if (r.kind === 'provider') {
        const p = deps.provider(r.id);
        if (p) store.append({ r, provider: p });
      } else {
        const sup = deps.supervisor(r.id);
        if (sup) store.append(supervisorLine(r, sup));
      }
      written();
    },
    alert(a) {
      store.append({ a });
      written();
    },
    heartbeat(id, at, deadlineAt) {
      store.append({ hb: { id, at, deadlineAt } });
      written();
    },
    agent(name) {
      const slot = agents.get(name);
      if (slot) store.append({ ag: { id: name, state: agentState(slot.ref.getSnapshot().context) } });
      written();
    },
    checkpoint(id, attempt, data) {
      store.append({ c: { id, attempt, data } });
      written();
    },
    durable: () => store.durable(),
    flush: () => store.flush(),
    snapshot,
    async close() {
      timer.stop();
      await snapshot();
      await store.close();
    },
  };
}

/** Everything a restart needs but the journal lines after `n`; without the tasks when the store keeps them as rows. */
function buildState(deps: PersistenceDeps, n: number, withTasks: boolean): PersistedState {
  const out: PersistedState = {
    schemaVersion: SCHEMA_VERSION,
    n,
    seq: deps.seq(),
    savedAt: deps.clock.now(),
    tasks: {},
    agents: {},
    supervisors: {},
    alerts: deps.alerts().slice().reverse(),
    archive: deps.archive(),
  };
  if (withTasks) for (const e of deps.tasks.all()) out.tasks[e.id] = persistedTask(e);
  for (const [name, slot] of deps.agents) out.agents[name] = agentState(slot.ref.getSnapshot().context);
  for (const name of deps.supervisorNames) {
    const sup = deps.supervisor(name);
    if (sup) out.supervisors[name] = supervisorState(sup);
  }
  out.providers = {};
  for (const name of deps.providerNames()) {
    const p = deps.provider(name);
    if (p) out.providers[name] = p;
  }
  return out;
}

/** The small context always; input on creation, output once there is one. */
export function taskPatch(entry: TaskEntry, r: TransitionRecord): TaskPatch {
  const c = entry.context;
  // Spelled out rather than a rest spread: one fixed shape, and undefined fields cost nothing in JSON.
  const patch: TaskPatch = {
    id: c.id,
    type: c.type,
    agent: c.agent,
    maxRetries: c.maxRetries,
    timeoutMs: c.timeoutMs,
    status: c.status,
    prev: c.prev,
    attempts: c.attempts,
    failureCounts: c.failureCounts,
    error: c.error,
    lastError: c.lastError,
    degraded: c.degraded,
    resolvedBy: c.resolvedBy,
    failedAt: c.failedAt,
    retryAt: c.retryAt,
    deadlineAt: c.deadlineAt,
    startedAt: c.startedAt,
    traceparent: c.traceparent,
    usage: c.usage,
    budget: c.budget,
  };
  if (r.from === null) {
    patch.input = c.input;
    patch.createdAt = entry.createdAt;
    if (entry.idempotencyKey) patch.idempotencyKey = entry.idempotencyKey;
  }
  if (c.output !== undefined && r.to === 'SUCCEEDED') patch.output = c.output;
  return patch;
}

function persistedTask(e: TaskEntry): PersistedTask {
  // The live actor's context: a checkpoint saved during an attempt is there before any transition.
  const live = (e.actor?.getSnapshot().context as TaskEntry['context'] | undefined) ?? e.context;
  const { decision, ...ctx } = live;
  return { ctx, createdAt: e.createdAt, updatedAt: e.updatedAt, idempotencyKey: e.idempotencyKey, history: e.history };
}

export function agentState(c: AgentContext): AgentState {
  return {
    circuit: c.circuit,
    lifecycle: c.lifecycle,
    failures: c.failures,
    openedAt: c.openedAt,
    openUntil: c.openUntil,
    halfOpenAt: c.halfOpenAt,
    restarts: c.restarts,
    restartAt: c.restartAt,
    lastExit: c.lastExit && { at: c.lastExit.at, reason: c.lastExit.reason, crash: c.lastExit.crash },
  };
}

/** The whole state, dynamic children included (for a snapshot; a journal line carries only the change). */
export function supervisorState(c: SupervisorContext, withChildren = true): SupervisorState {
  const s: SupervisorState = { status: c.status, restartTimes: c.restartTimes, streak: c.streak, escalatedAt: c.escalatedAt };
  if (!withChildren) return s;
  const dynamic = c.children.flatMap((ch) => (ch.kind === 'agent' && ch.dynamic ? [{ name: ch.name, ...ch.dynamic }] : []));
  if (dynamic.length > 0) s.dynamic = dynamic;
  return s;
}

// Adding the 1,000th pool member writes one spec, not a thousand.
function supervisorLine(r: TransitionRecord, c: SupervisorContext): StoreEntry {
  const sup = supervisorState(c, false);
  const spec = r.event === 'START_CHILD' ? c.children.find((ch) => ch.name === r.agent) : undefined;
  if (spec?.kind !== 'agent' || !spec.dynamic) return { r, sup };
  return { r, sup, child: { name: spec.name, ...spec.dynamic } };
}
