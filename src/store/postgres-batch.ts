// One batch of journal lines into PostgreSQL in one statement (so one round trip, atomic on its own):
// it upserts the task rows the batch changes, inserts their journal lines and notifies the other
// processes. Each part touches only the rows of the batch (primary-key upserts, appends), so a write
// costs the same with 10 or 10 million rows. A write to a task another process has taken over is
// fenced out, and the caller learns which tasks were.
import type pg from 'pg';
import type { Clock } from '../types.ts';
import type { JournalLine, TaskPatch } from './state.ts';

export interface BatchOptions {
  pool: pg.Pool;
  /** the quoted schema */
  schema: string;
  channel: string;
  node: string;
  clock: Clock;
  /** whether this process holds the task (its row then names this node, with a lease) */
  holds(id: string): boolean;
  leaseMs: number;
}

interface TaskRow {
  id: string;
  agent: string;
  type: string;
  status: string;
  attempts: number;
  ctx: Omit<TaskPatch, 'input' | 'output' | 'checkpoint' | 'createdAt' | 'idempotencyKey'>;
  input?: unknown;
  output?: unknown;
  checkpoint?: unknown;
  has_input: boolean;
  has_output: boolean;
  has_checkpoint: boolean;
  idem?: string;
  created_at: number;
  updated_at: number;
  owner: string | null;
  lease_until: number | null;
  /** the status the batch's first line of this task came from (null: the line that created it) */
  from_status: string | null;
}

interface Fold {
  rows: Map<string, TaskRow>;
  /** checkpoint and heartbeat lines of tasks without a state change in this batch */
  touches: Map<string, { checkpoint?: { data: unknown }; hb?: { at: number; deadlineAt?: number } }>;
  assignedAgents: Set<string>;
}

function taskIdOf(line: JournalLine): string | undefined {
  if ('task' in line) return line.r.id;
  if ('c' in line) return line.c.id;
  if ('hb' in line) return line.hb.id;
  return undefined;
}

/** The batch's last word per task: one row to upsert for each task it changed. */
function fold(o: BatchOptions, batch: JournalLine[]): Fold {
  const rows = new Map<string, TaskRow>();
  const touches: Fold['touches'] = new Map();
  const assignedAgents = new Set<string>();
  const at = o.clock.now();
  for (const line of batch) {
    if ('task' in line) {
      const { input, output, checkpoint, createdAt, idempotencyKey, ...small } = line.task;
      const prev = rows.get(line.r.id);
      const held = o.holds(line.r.id);
      const t = touches.get(line.r.id);
      touches.delete(line.r.id);
      const cp = checkpoint !== undefined ? { data: checkpoint } : t?.checkpoint ?? (prev?.has_checkpoint ? { data: prev.checkpoint } : undefined);
      rows.set(line.r.id, {
        id: line.r.id,
        agent: small.agent,
        type: small.type,
        status: small.status,
        attempts: small.attempts,
        ctx: small,
        input: input !== undefined ? input : prev?.input,
        has_input: input !== undefined || prev?.has_input === true,
        output: output !== undefined ? output : prev?.output,
        has_output: output !== undefined || prev?.has_output === true,
        checkpoint: cp?.data,
        has_checkpoint: cp !== undefined,
        idem: idempotencyKey ?? prev?.idem,
        created_at: createdAt ?? prev?.created_at ?? line.r.at,
        updated_at: line.r.at,
        owner: held ? o.node : null,
        lease_until: held ? at + o.leaseMs : null,
        from_status: prev ? prev.from_status : line.r.from,
      });
      if (small.status === 'ASSIGNED' && !held) assignedAgents.add(small.agent);
    } else if ('c' in line) {
      const row = rows.get(line.c.id);
      if (row) Object.assign(row, { checkpoint: line.c.data, has_checkpoint: true });
      else touches.set(line.c.id, { ...touches.get(line.c.id), checkpoint: { data: line.c.data } });
    } else if ('hb' in line) {
      const row = rows.get(line.hb.id);
      if (row) row.ctx = { ...row.ctx, startedAt: line.hb.at, deadlineAt: line.hb.deadlineAt };
      else touches.set(line.hb.id, { ...touches.get(line.hb.id), hb: { at: line.hb.at, deadlineAt: line.hb.deadlineAt } });
    }
  }
  // A task is never IN_PROGRESS in the table without a lease: nobody would ever take such a row over.
  // This process started an attempt of a task it does not hold; its lines are dropped (fenced).
  for (const [id, row] of rows) if (row.status === 'IN_PROGRESS' && row.owner === null) rows.delete(id);
  return { rows, touches, assignedAgents };
}

/**
 * One statement (so one round trip, and atomic on its own): the task rows upserted where this node
 * may write them, checkpoint/heartbeat touches, the journal lines of the tasks written (and every
 * line that is not a task's), and the notification. Returns the ids of tasks whose lines were fenced out.
 */
export async function writeBatch(o: BatchOptions, batch: JournalLine[]): Promise<string[]> {
  const s = o.schema;
  const f = fold(o, batch);
  const touches = [...f.touches].map(([id, t]) => ({ id, checkpoint: t.checkpoint?.data ?? null, has_cp: t.checkpoint !== undefined, hb: t.hb ?? null }));
  const lines = batch.map((line) => ({ n: line.n, task_id: taskIdOf(line) ?? null, line }));
  const { rows } = await o.pool.query<{ written: string[] | null }>(
    `WITH x AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, agent text, type text, status text, attempts int, ctx jsonb, input jsonb, output jsonb,
         checkpoint jsonb, idem text, created_at bigint, updated_at bigint, owner text, lease_until bigint, from_status text)
     ), created AS (
       INSERT INTO ${s}.tasks AS t (id, agent, type, status, attempts, ctx, input, output, checkpoint, idempotency_key, created_at, updated_at, lease_owner, lease_until)
       SELECT x.id, x.agent, x.type, x.status, x.attempts, x.ctx, x.input, x.output, x.checkpoint, x.idem, x.created_at, x.updated_at, x.owner, x.lease_until
       FROM x WHERE x.from_status IS NULL
       ON CONFLICT (id) DO NOTHING
       RETURNING t.id
     ), changed AS (
       -- The fence: a row this node holds the lease on, or a row nobody holds that is still in the
       -- state the batch's lines start from. A process whose lease was taken over (the task run and
       -- finished elsewhere, its row handed back) is not writing from the row's state, so it is refused.
       UPDATE ${s}.tasks AS t SET agent = x.agent, type = x.type, status = x.status, attempts = x.attempts,
         ctx = x.ctx, updated_at = x.updated_at, lease_owner = x.owner, lease_until = x.lease_until,
         output = CASE WHEN x.output IS NOT NULL THEN x.output ELSE t.output END,
         checkpoint = CASE WHEN x.checkpoint IS NOT NULL THEN x.checkpoint ELSE t.checkpoint END
       FROM x
       WHERE t.id = x.id AND x.from_status IS NOT NULL AND (t.lease_owner = $2 OR (t.lease_owner IS NULL AND t.status = x.from_status))
       RETURNING t.id
     ), touch AS (
       -- Checkpoints and heartbeats come from a running attempt, so only from the lease holder.
       UPDATE ${s}.tasks AS t SET
         checkpoint = CASE WHEN x.has_cp THEN x.checkpoint ELSE t.checkpoint END,
         ctx = CASE WHEN x.hb IS NULL THEN t.ctx ELSE t.ctx || jsonb_build_object('startedAt', x.hb->'at', 'deadlineAt', x.hb->'deadlineAt') END
       FROM jsonb_to_recordset($3::jsonb) AS x(id text, checkpoint jsonb, has_cp bool, hb jsonb)
       WHERE t.id = x.id AND t.lease_owner = $2
       RETURNING t.id
     ), written AS (SELECT id FROM created UNION ALL SELECT id FROM changed UNION ALL SELECT id FROM touch),
     ins AS (
       INSERT INTO ${s}.transitions (node, n, task_id, line)
       SELECT $2, l.n, l.task_id, l.line FROM jsonb_to_recordset($4::jsonb) AS l(n bigint, task_id text, line jsonb)
       WHERE l.task_id IS NULL OR l.task_id IN (SELECT id FROM written)
       RETURNING 1
     ), note AS (SELECT pg_notify($5, $6))
     SELECT (SELECT array_agg(id) FROM written) AS written, (SELECT count(*) FROM ins) AS lines, (SELECT count(*) FROM note) AS notified`,
    [
      JSON.stringify([...f.rows.values()].map(nullable)),
      o.node,
      JSON.stringify(touches),
      JSON.stringify(lines),
      o.channel,
      JSON.stringify({ node: o.node, assigned: [...f.assignedAgents] }),
    ],
  );
  const written = new Set(rows[0]?.written ?? []);
  const fenced = new Set<string>();
  for (const l of lines) if (l.task_id !== null && !written.has(l.task_id)) fenced.add(l.task_id);
  return [...fenced];
}

/** jsonb_to_recordset reads a missing key as NULL, but `undefined` must not become the JSON null of a real value. */
function nullable(r: TaskRow) {
  return {
    ...r,
    input: r.has_input ? (r.input ?? null) : null,
    output: r.has_output ? (r.output ?? null) : null,
    checkpoint: r.has_checkpoint ? (r.checkpoint ?? null) : null,
  };
}
