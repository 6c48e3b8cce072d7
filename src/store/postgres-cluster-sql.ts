// The queries several processes share work with: claims (FOR UPDATE SKIP LOCKED), lease renewal and
// expiry, taking a task for an operator's command, idempotency keys, the journal tail, retention.
// Every query is bounded by an index and a LIMIT, so its cost does not grow with the table.
import type pg from 'pg';
import type { JournalLine } from './state.ts';
import { TASK_COLUMNS, type TaskRowRead } from './postgres-restore.ts';

export interface ClusterSql {
  /** up to `limit` unclaimed ASSIGNED tasks of an agent, oldest first, now leased to this node */
  claim(agent: string, limit: number, now: number, leaseMs: number): Promise<TaskRowRead[]>;
  /**
   * tasks of these agents whose lease ran out (or, with mine, that this node held in an earlier
   * life), now leased to this node; a lapsed lease of this node's own counts unless it is in `holding`
   */
  expired(agents: string[], now: number, leaseMs: number, mine: boolean, holding: string[]): Promise<TaskRowRead[]>;
  /** extends the leases of the tasks this node holds (`ids`); returns those the rows still name it on */
  renew(now: number, leaseMs: number, ids: string[]): Promise<Set<string>>;
  /** the task's row, leased to this node when nobody live holds it (or always, with force) */
  take(id: string, now: number, leaseMs: number, force: boolean): Promise<{ row: TaskRowRead; taken: boolean; before: string | null } | undefined>;
  /** one task's row, or undefined */
  row(id: string): Promise<TaskRowRead | undefined>;
  /** gives a lease back (an operator's command that the state did not allow) */
  release(id: string): Promise<void>;
  /** the task id that holds the key: `id` when this call reserved it (or took over an orphaned reservation) */
  reserveKey(key: string, id: string, now: number): Promise<string>;
  /** journal rows after `gid`, and those of the `holes` that committed since, in gid order */
  tail(gid: number, limit: number, holes: number[]): Promise<Array<{ gid: number; node: string; line: JournalLine }>>;
  /** deletes finished tasks (and their transitions) older than `cutoff`, `batch` at a time; returns how many */
  sweep(cutoff: number, batch: number): Promise<number>;
}

/** A reservation whose task was never written after this long was a submit that died: the key is free again. */
const ORPHAN_KEY_MS = 30_000;

/** What every query runs against: the pool, the quoted schema and this node's name. */
interface Db {
  pool: pg.Pool;
  s: string;
  node: string;
}

export function clusterSql(pool: pg.Pool, s: string, node: string): ClusterSql {
  const db: Db = { pool, s, node };
  return {
    claim: (agent, limit, now, leaseMs) => claim(db, agent, limit, now, leaseMs),
    expired: (agents, now, leaseMs, mine, holding) => expired(db, agents, now, leaseMs, mine, holding),
    renew: (now, leaseMs, ids) => renew(db, now, leaseMs, ids),
    take: (id, now, leaseMs, force) => take(db, id, now, leaseMs, force),
    row: (id) => row(db, id),
    release: (id) => release(db, id),
    reserveKey: (key, id, now) => reserveKey(db, key, id, now),
    tail: (gid, limit, holes) => tail(db, gid, limit, holes),
    sweep: (cutoff, batch) => sweep(db, cutoff, batch),
  };
}

/** TASK_COLUMNS as an UPDATE ... RETURNING names them, qualified by the updated table. */
const RETURNING = TASK_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ');

async function claim({ pool, s, node }: Db, agent: string, limit: number, now: number, leaseMs: number): Promise<TaskRowRead[]> {
  const { rows } = await pool.query<TaskRowRead>(
    `UPDATE ${s}.tasks t SET lease_owner = $1, lease_until = $2
     FROM (SELECT id FROM ${s}.tasks WHERE lease_owner IS NULL AND status = 'ASSIGNED' AND agent = $3
           ORDER BY created_order LIMIT $4 FOR UPDATE SKIP LOCKED) c
     WHERE t.id = c.id RETURNING ${RETURNING}`,
    [node, now + leaseMs, agent, limit],
  );
  return rows;
}

async function expired({ pool, s, node }: Db, agents: string[], now: number, leaseMs: number, mine: boolean, holding: string[]): Promise<TaskRowRead[]> {
  const { rows } = await pool.query<TaskRowRead>(
    `UPDATE ${s}.tasks t SET lease_owner = $1, lease_until = $2
     FROM (SELECT id FROM ${s}.tasks WHERE lease_owner IS NOT NULL AND agent = ANY($3)
             AND (CASE WHEN $5 THEN lease_owner = $1
                  ELSE lease_until < $4 AND NOT (lease_owner = $1 AND id = ANY($6::text[])) END)
           ORDER BY lease_until LIMIT 200 FOR UPDATE SKIP LOCKED) c
     WHERE t.id = c.id RETURNING ${RETURNING}`,
    [node, now + leaseMs, agents, now, mine, holding],
  );
  return rows;
}

async function renew({ pool, s, node }: Db, now: number, leaseMs: number, ids: string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(`UPDATE ${s}.tasks SET lease_until = $2 WHERE lease_owner = $1 AND id = ANY($3::text[]) RETURNING id`, [
    node,
    now + leaseMs,
    ids,
  ]);
  return new Set(rows.map((r) => r.id));
}

async function take({ pool, s, node }: Db, id: string, now: number, leaseMs: number, force: boolean) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<TaskRowRead>(`SELECT ${TASK_COLUMNS} FROM ${s}.tasks WHERE id = $1 FOR UPDATE`, [id]);
    const row = rows[0];
    if (!row) {
      await client.query('COMMIT');
      return undefined;
    }
    const before = row.lease_owner;
    const free = before === null || before === node || Number(row.lease_until ?? 0) < now;
    if (free || force) {
      await client.query(`UPDATE ${s}.tasks SET lease_owner = $2, lease_until = $3 WHERE id = $1`, [id, node, now + leaseMs]);
    }
    await client.query('COMMIT');
    return { row, taken: free || force, before };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

async function row({ pool, s }: Db, id: string): Promise<TaskRowRead | undefined> {
  const { rows } = await pool.query<TaskRowRead>(`SELECT ${TASK_COLUMNS} FROM ${s}.tasks WHERE id = $1`, [id]);
  return rows[0];
}

async function release({ pool, s, node }: Db, id: string): Promise<void> {
  await pool.query(`UPDATE ${s}.tasks SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`, [id, node]);
}

async function reserveKey({ pool, s }: Db, key: string, id: string, now: number): Promise<string> {
  const { rows } = await pool.query<{ task_id: string }>(
    `INSERT INTO ${s}.idempotency_keys (key, task_id, reserved_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING task_id`,
    [key, id, now],
  );
  if (rows[0]) return rows[0].task_id;
  // Held by an earlier submit: its task, unless that submit died before its task was written.
  const held = await pool.query<{ task_id: string; reserved_at: string; present: boolean }>(
    `SELECT k.task_id, k.reserved_at, EXISTS (SELECT 1 FROM ${s}.tasks t WHERE t.id = k.task_id) AS present FROM ${s}.idempotency_keys k WHERE k.key = $1`,
    [key],
  );
  const h = held.rows[0];
  if (!h) return id;
  if (h.present || Number(h.reserved_at) > now - ORPHAN_KEY_MS) return h.task_id;
  const taken = await pool.query(`UPDATE ${s}.idempotency_keys SET task_id = $2, reserved_at = $3 WHERE key = $1 AND task_id = $4`, [key, id, now, h.task_id]);
  return taken.rowCount === 1 ? id : h.task_id;
}

async function tail({ pool, s }: Db, gid: number, limit: number, holes: number[]): Promise<Array<{ gid: number; node: string; line: JournalLine }>> {
  const { rows } = await pool.query<{ gid: string; node: string; line: JournalLine }>(
    holes.length === 0
      ? `SELECT gid, node, line FROM ${s}.transitions WHERE gid > $1 ORDER BY gid LIMIT $2`
      : `SELECT gid, node, line FROM ${s}.transitions WHERE gid > $1 OR gid = ANY($3::bigint[]) ORDER BY gid LIMIT $2`,
    holes.length === 0 ? [gid, limit] : [gid, limit, holes],
  );
  return rows.map((r) => ({ gid: Number(r.gid), node: r.node, line: r.line }));
}

async function sweep({ pool, s }: Db, cutoff: number, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: string }>(
      `DELETE FROM ${s}.tasks WHERE id IN (SELECT id FROM ${s}.tasks WHERE status IN ('SUCCEEDED', 'CANCELLED') AND updated_at < $1 LIMIT $2) RETURNING id`,
      [cutoff, batch],
    );
    if (rows.length === 0) return total;
    const ids = rows.map((r) => r.id);
    await pool.query(`DELETE FROM ${s}.transitions WHERE task_id = ANY($1)`, [ids]);
    await pool.query(`DELETE FROM ${s}.idempotency_keys WHERE task_id = ANY($1)`, [ids]);
    total += ids.length;
    if (ids.length < batch) return total;
  }
}
