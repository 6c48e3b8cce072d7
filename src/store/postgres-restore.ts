// Reads a PersistedState out of PostgreSQL: this node's snapshot (agents, supervisors, alerts) plus
// its own lines after it, and every task of the cluster from the task rows, with its history.
import type pg from 'pg';
import type { TransitionRecord } from '../types.ts';
import { applyLine, emptyState, type JournalLine, type PersistedState, type PersistedTask, type TaskState } from './state.ts';

export interface TaskRowRead {
  id: string;
  ctx: Omit<TaskState, 'input' | 'output' | 'checkpoint'>;
  input: unknown;
  output: unknown;
  checkpoint: unknown;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
  lease_owner: string | null;
  lease_until: string | null;
}

export const TASK_COLUMNS = 'id, ctx, input, output, checkpoint, idempotency_key, created_at, updated_at, lease_owner, lease_until';

/** A task row as the runtime's persisted task (history filled in by the caller). */
export function taskOfRow(row: TaskRowRead, history: TransitionRecord[] = []): PersistedTask {
  const ctx: TaskState = { ...row.ctx, input: row.input ?? undefined, output: row.output ?? undefined, checkpoint: row.checkpoint ?? undefined };
  if (ctx.output === undefined) delete ctx.output;
  if (ctx.checkpoint === undefined) delete ctx.checkpoint;
  const t: PersistedTask = { ctx, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at), history };
  if (row.idempotency_key) t.idempotencyKey = row.idempotency_key;
  return t;
}

/** The restored state and the last journal row it includes (where a tail of the journal starts). */
/**
 * Memory stays bounded however large the tables grow: every unfinished task, and the newest
 * `maxFinished` finished ones, with their histories (read through the (task_id, gid) index).
 */
export async function loadState(
  pool: pg.Pool,
  schema: string,
  node: string,
  maxAlerts: number,
  maxFinished = Number.MAX_SAFE_INTEGER,
): Promise<{ state: PersistedState; gid: number }> {
  const client = await pool.connect();
  try {
    // One snapshot of the database: the task rows and the journal agree with each other.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out = await read(client, schema, node, maxAlerts, maxFinished);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

async function read(pool: pg.PoolClient, schema: string, node: string, maxAlerts: number, maxFinished: number): Promise<{ state: PersistedState; gid: number }> {
  const snap = await pool.query<{ n: string; state: PersistedState }>(`SELECT n, state FROM ${schema}.node_state WHERE node = $1`, [node]);
  const state: PersistedState = snap.rows[0] ? { ...emptyState(), ...snap.rows[0].state, tasks: {}, n: Number(snap.rows[0].n) } : emptyState();
  // This node's own lines after its snapshot: alerts and agent/supervisor changes replay as the file store's do.
  const own = await pool.query<{ n: string; line: JournalLine }>(
    `SELECT n, line FROM ${schema}.transitions WHERE node = $1 AND n > $2 ORDER BY n`,
    [node, state.n],
  );
  for (const row of own.rows) {
    const line = row.line;
    if ('task' in line || 'c' in line || 'hb' in line) {
      state.n = Number(row.n);
      if ('r' in line) state.seq = Math.max(state.seq, line.r.seq);
      continue;
    }
    applyLine(state, line, maxAlerts);
  }
  const tasks = await pool.query<TaskRowRead>(
    `SELECT ${TASK_COLUMNS} FROM (
       (SELECT ${TASK_COLUMNS}, created_order FROM ${schema}.tasks WHERE status NOT IN ('SUCCEEDED', 'CANCELLED'))
       UNION ALL
       (SELECT ${TASK_COLUMNS}, created_order FROM ${schema}.tasks WHERE status IN ('SUCCEEDED', 'CANCELLED') ORDER BY updated_at DESC LIMIT $1)
     ) t ORDER BY created_order`,
    [Math.min(maxFinished, 2 ** 31 - 1)],
  );
  const histories = new Map<string, TransitionRecord[]>();
  const last = await pool.query<{ gid: string | null }>(`SELECT max(gid) AS gid FROM ${schema}.transitions`);
  const records = await pool.query<{ task_id: string; r: TransitionRecord }>(
    `SELECT task_id, line->'r' AS r FROM ${schema}.transitions WHERE task_id = ANY($1) AND line ? 'r' ORDER BY gid`,
    [tasks.rows.map((t) => t.id)],
  );
  for (const row of records.rows) {
    let h = histories.get(row.task_id);
    if (!h) histories.set(row.task_id, (h = []));
    h.push(row.r);
  }
  for (const row of tasks.rows) state.tasks[row.id] = taskOfRow(row, histories.get(row.id) ?? []);
  return { state, gid: Number(last.rows[0]?.gid ?? 0) };
}
