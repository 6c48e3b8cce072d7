// What is persisted: the plain shapes of tasks, agents and the supervisor, the journal line format,
// and the pure fold that applies a journal line to a persisted state.
import type { TaskContext } from '../../machines/task.ts';
import type { AgentLifecycle, Alert, CircuitState, GateState, SupervisorStatus, TaskError, TransitionRecord } from '../types.ts';
import type { ArchiveGeneration } from './archive-index.ts';

export const SCHEMA_VERSION = 1;

/** A task's context without the decision (FAILED never rests, so its decision is spent). */
export type TaskState = Omit<TaskContext, 'decision'>;

export interface PersistedTask {
  ctx: TaskState;
  createdAt: number;
  updatedAt: number;
  idempotencyKey?: string;
  history: TransitionRecord[];
}

export interface AgentState {
  circuit: CircuitState;
  lifecycle: AgentLifecycle;
  failures: number[];
  openedAt?: number;
  openUntil?: number;
  halfOpenAt?: number;
  restarts: number;
  restartAt?: number;
  lastExit?: { at: number; reason: string; crash: boolean };
}

export interface SupervisorState {
  status: SupervisorStatus;
  restartTimes: number[];
  streak: Record<string, { n: number; lastAt: number }>;
  escalatedAt?: number;
  /** children added while running (addAgent), in start order: restored after the configured ones */
  dynamic?: DynamicChildState[];
}

/** A dynamic child as journaled: its name, its pool (whose spec it runs) and its declarative settings. */
export interface DynamicChildState {
  name: string;
  pool?: string;
  def: Record<string, unknown>;
  /** it came with functions (run/start/stop) a restarted process cannot restore */
  code: boolean;
}

/** A provider's gate as persisted (its token buckets start full after a restart). */
export interface ProviderState {
  gate: GateState;
  closedUntil?: number;
  closedAt?: number;
  closedBy?: string;
  error?: TaskError;
}

export interface PersistedState {
  schemaVersion: number;
  /** the number of the last journal line this state includes */
  n: number;
  /** the seq of the last transition record this state includes */
  seq: number;
  savedAt: number;
  tasks: Record<string, PersistedTask>;
  agents: Record<string, AgentState>;
  supervisors: Record<string, SupervisorState>;
  /** provider gates (absent in snapshots from before gates existed) */
  providers?: Record<string, ProviderState>;
  alerts: Alert[];
  /** ids of finished tasks swept past their retention (snapshots before the archive index; read only) */
  archived?: string[];
  /** which finished tasks left memory for the journal (a Bloom filter in generations) */
  archive?: ArchiveGeneration[];
}

/**
 * One line of the journal. `r` lines are state changes (with the state they led to);
 * `c` lines are checkpoints; `hb` lines heartbeats; `ag` lines agent changes without a transition; `a` lines are alerts. Every line has a number `n`, one more than the
 * line before it, so replay is ordered and a gap or a repeat is detected.
 */
export type JournalLine =
  | { n: number; r: TransitionRecord; task: TaskPatch }
  | { n: number; r: TransitionRecord; agent: AgentState }
  /** `child`: the spec a START_CHILD added (the line carries only the change, not the whole children list) */
  | { n: number; r: TransitionRecord; sup: SupervisorState; child?: DynamicChildState }
  | { n: number; r: TransitionRecord; provider: ProviderState }
  | { n: number; c: { id: string; attempt: number; data: unknown } }
  /** an external attempt's heartbeat moved its deadline */
  | { n: number; hb: { id: string; at: number; deadlineAt?: number } }
  /** an agent's state changed without a transition (a failure counted toward its breaker) */
  | { n: number; ag: { id: string; state: AgentState } }
  | { n: number; a: Alert };

export function emptyState(): PersistedState {
  return { schemaVersion: SCHEMA_VERSION, n: 0, seq: 0, savedAt: 0, tasks: {}, agents: {}, supervisors: {}, alerts: [] };
}

/** Folds one journal line into the state, in place. Lines at or below state.seq are already in it. */
export function applyLine(state: PersistedState, line: JournalLine, maxAlerts: number): void {
  if (line.n <= state.n) return;
  state.n = line.n;
  if ('c' in line) {
    // A checkpoint can be journaled before its attempt's IN_PROGRESS line (it is saved while START is still queued).
    const t = state.tasks[line.c.id];
    if (t) t.ctx.checkpoint = line.c.data;
    return;
  }
  if ('hb' in line) {
    const t = state.tasks[line.hb.id];
    if (t) t.ctx = { ...t.ctx, startedAt: line.hb.at, deadlineAt: line.hb.deadlineAt };
    return;
  }
  if ('ag' in line) {
    state.agents[line.ag.id] = line.ag.state;
    return;
  }
  if ('a' in line) {
    state.alerts.push(line.a);
    if (state.alerts.length > maxAlerts) state.alerts.splice(0, state.alerts.length - maxAlerts);
    return;
  }
  state.seq = line.r.seq;
  if ('task' in line) return applyTask(state, line.r, line.task);
  if ('agent' in line) state.agents[line.r.id] = line.agent;
  else if ('sup' in line) {
    state.supervisors[line.r.id] = withDynamic(line.sup, state.supervisors[line.r.id]?.dynamic, line);
    // A deleted child leaves no agent state behind either.
    if (line.r.event === 'DELETE_CHILD' && line.r.agent) delete state.agents[line.r.agent];
  } else if ('provider' in line) (state.providers ??= {})[line.r.id] = line.provider;
}

/** The supervisor's dynamic children after a line: START_CHILD adds one, DELETE_CHILD drops one, others keep the list. */
function withDynamic(sup: SupervisorState, before: DynamicChildState[] | undefined, line: { r: TransitionRecord; child?: DynamicChildState }): SupervisorState {
  let dynamic = before ?? [];
  if (line.r.event === 'START_CHILD' && line.child) dynamic = [...dynamic.filter((d) => d.name !== line.child?.name), line.child];
  else if (line.r.event === 'DELETE_CHILD') dynamic = dynamic.filter((d) => d.name !== line.r.agent);
  const { dynamic: _ignored, ...rest } = sup;
  return dynamic.length > 0 ? { ...rest, dynamic } : rest;
}

/** A task line carries the whole small context; the large fields only when they changed. */
export type TaskPatch = Omit<TaskState, 'input' | 'output' | 'checkpoint'> &
  Partial<Pick<TaskState, 'input' | 'output' | 'checkpoint'>> & { createdAt?: number; idempotencyKey?: string };

function applyTask(state: PersistedState, r: TransitionRecord, patch: TaskPatch): void {
  const { createdAt, idempotencyKey, input, output, checkpoint, ...small } = patch;
  const existing = state.tasks[r.id];
  const prev = existing?.ctx;
  const ctx: TaskState = {
    ...small,
    input: input !== undefined ? input : prev?.input,
    output: output !== undefined ? output : prev?.output,
    checkpoint: checkpoint !== undefined ? checkpoint : prev?.checkpoint,
  };
  if (!existing) {
    state.tasks[r.id] = { ctx, createdAt: createdAt ?? r.at, updatedAt: r.at, idempotencyKey, history: [r] };
    return;
  }
  existing.ctx = ctx;
  existing.updatedAt = r.at;
  existing.history.push(r);
}
