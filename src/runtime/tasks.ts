// The task table: every task's actor (while it lives), its latest state, its history, in creation order.
import type { SnapshotFrom } from 'xstate';
import { NO_USAGE } from '../../machines/budget.ts';
import type { taskMachine, TaskContext, TaskEvent } from '../../machines/task.ts';
import { WardenError } from '../errors.ts';
import { TASK_STATUSES, type TaskStatus, type TaskView, type TransitionRecord } from '../types.ts';

/** What the runtime needs of a task's actor: a full XState Actor has it, and so has a stepped one. */
export interface TaskActor {
  send(event: TaskEvent): void;
  getSnapshot(): SnapshotFrom<typeof taskMachine>;
  start(): unknown;
  stop(): unknown;
}

export interface TaskEntry {
  id: string;
  /** position in creation order, the list cursor */
  order: number;
  createdAt: number;
  updatedAt: number;
  idempotencyKey?: string;
  /** dropped once the task is terminal; `context` keeps its last state */
  actor?: TaskActor;
  context: TaskContext;
  history: TransitionRecord[];
  waiters?: Array<{ resolve: (output: unknown) => void; reject: (err: unknown) => void }>;
}

export interface ListQuery {
  status?: TaskStatus;
  agent?: string;
  /** only tasks of this task type */
  type?: string;
  /** a positive integer; a page holds at most 1000. @defaultValue 100 */
  limit?: number;
  /** a `nextCursor` from an earlier page; any other value throws `invalid_input` */
  cursor?: string;
  /** creation order, oldest first (`asc`) or newest first (`desc`). @defaultValue 'asc' */
  order?: 'asc' | 'desc';
}

export interface TaskTable {
  add(entry: Omit<TaskEntry, 'order'>): TaskEntry;
  get(id: string): TaskEntry | undefined;
  byKey(key: string): TaskEntry | undefined;
  /** keeps counts and history in step with a task record */
  apply(record: TransitionRecord, context: TaskContext): TaskEntry | undefined;
  list(q: ListQuery): { items: TaskEntry[]; nextCursor: string | null };
  countByStatus(): Record<TaskStatus, number>;
  /** recounts statuses from scratch (after entries were added without records, as in a restore) */
  recount(): void;
  remove(id: string): void;
  all(): Iterable<TaskEntry>;
  readonly size: number;
}

export function createTaskTable(): TaskTable {
  const byId = new Map<string, TaskEntry>();
  const byIdem = new Map<string, TaskEntry>();
  // Creation order with holes left by removals, so a cursor stays valid.
  const ordered: Array<TaskEntry | undefined> = [];
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;

  return {
    add(e) {
      const entry: TaskEntry = {
        id: e.id,
        order: ordered.length,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        idempotencyKey: e.idempotencyKey,
        actor: e.actor,
        context: e.context,
        history: e.history,
        waiters: undefined,
      };
      ordered.push(entry);
      byId.set(entry.id, entry);
      if (entry.idempotencyKey) byIdem.set(entry.idempotencyKey, entry);
      return entry;
    },
    get: (id) => byId.get(id),
    byKey: (key) => byIdem.get(key),
    apply(record, context) {
      const entry = byId.get(record.id);
      if (!entry) return undefined;
      if (record.from) counts[record.from as TaskStatus]--;
      counts[record.to as TaskStatus]++;
      // A fresh array of the exact length, not push(): push grows a 2-record history to 17 slots, ~120 B
      // more per waiting task (85.6 -> 74.0 MiB of heap for 100k of them). Histories are short, and a
      // snapshot being written holds an array that no longer changes under it.
      entry.history = entry.history.concat(record);
      entry.updatedAt = record.at;
      entry.context = context;
      return entry;
    },
    list({ status, agent, type, limit: asked = 100, cursor, order = 'asc' }) {
      checkOrder(order);
      const limit = checkLimit(asked);
      const step = order === 'desc' ? -1 : 1;
      const items: TaskEntry[] = [];
      // The cursor is the next position to look at, walking in the asked direction.
      let i = cursor !== undefined ? cursorPosition(cursor, ordered.length) : order === 'desc' ? ordered.length - 1 : 0;
      if (order === 'desc') i = Math.min(i, ordered.length - 1);
      const inRange = (j: number) => j >= 0 && j < ordered.length;
      for (; inRange(i) && items.length < limit; i += step) {
        const e = ordered[i];
        if (!e || (status && e.context.status !== status) || (agent && e.context.agent !== agent)) continue;
        if (type && e.context.type !== type) continue;
        items.push(e);
      }
      return { items, nextCursor: inRange(i) && items.length === limit ? i.toString(36) : null };
    },
    countByStatus: () => ({ ...counts }),
    recount() {
      for (const s of TASK_STATUSES) counts[s] = 0;
      for (const e of byId.values()) counts[e.context.status]++;
    },
    remove(id) {
      const e = byId.get(id);
      if (!e) return;
      byId.delete(id);
      if (e.idempotencyKey) byIdem.delete(e.idempotencyKey);
      ordered[e.order] = undefined;
      counts[e.context.status]--;
    },
    all: () => byId.values(),
    get size() {
      return byId.size;
    },
  };
}

const MAX_LIMIT = 1000;

export function checkOrder(order: unknown): asserts order is 'asc' | 'desc' {
  if (order !== 'asc' && order !== 'desc') {
    throw new WardenError('invalid_input', `order must be 'asc' or 'desc', got ${JSON.stringify(order)}`, { field: 'order' });
  }
}
const CURSOR_SHAPE = /^(?:0|[1-9a-z][0-9a-z]{0,10})$/;

/** A page holds at most MAX_LIMIT items; a larger limit gets a full page (HTTP refuses it with a 400). */
export function checkLimit(limit: unknown): number {
  if (typeof limit === 'number' && Number.isInteger(limit) && limit >= 1) return Math.min(limit, MAX_LIMIT);
  throw new WardenError('invalid_input', `limit: must be a positive integer, got ${describe(limit)}`, { field: 'limit' });
}

/** A cursor is a position this table issued (base 36); anything else is refused before any work is done. */
export function cursorPosition(cursor: unknown, length: number): number {
  const n = typeof cursor === 'string' && CURSOR_SHAPE.test(cursor) ? Number.parseInt(cursor, 36) : NaN;
  if (n >= 0 && n <= length) return n;
  throw new WardenError('invalid_input', `cursor: not a cursor this server issued, got ${describe(cursor)}`, { field: 'cursor' });
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
}

export function taskView(e: TaskEntry): TaskView {
  const c = e.context;
  const view: TaskView = {
    id: c.id,
    type: c.type,
    agent: c.agent,
    status: c.status,
    input: c.input,
    attempts: c.attempts,
    maxRetries: c.maxRetries,
    usage: c.usage ?? { ...NO_USAGE },
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
  };
  if (c.output !== undefined) view.output = c.output;
  if (c.degraded) view.degraded = true;
  if (c.resolvedBy) view.resolvedBy = c.resolvedBy;
  if (c.error) view.error = c.error;
  if (c.lastError) view.lastError = c.lastError;
  // `context` is refreshed on transitions only; a checkpoint saved mid-attempt is in the live actor.
  const checkpoint = e.actor ? e.actor.getSnapshot().context.checkpoint : c.checkpoint;
  if (checkpoint !== undefined) view.checkpoint = checkpoint;
  if (c.status === 'RETRY_WAIT' && c.retryAt !== undefined) view.nextRetryAt = new Date(c.retryAt).toISOString();
  if (e.idempotencyKey) view.idempotencyKey = e.idempotencyKey;
  if (c.budget) view.budget = c.budget;
  return view;
}
