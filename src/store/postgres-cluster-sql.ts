// The queries several processes share work with: claims (FOR UPDATE SKIP LOCKED), lease renewal and
// expiry, taking a task for an operator's command, idempotency keys, the journal tail, retention.
// Every query is bounded by an index and a LIMIT, so its cost does not grow with the table.
import type pg from 'pg';
import type { JournalLine } from './state.ts';
import { TASK_COLUMNS, type TaskRowRead } from './postgres-restore.ts';

export interface ClusterSql {
  /** up to `limit` unclaimed ASSIGNED tasks of an agent, oldest first, now leased to this node */
  claim(agent: string, limit: number, now: number, leaseMs: number): Promise<TaskRowRead[]>;
  /** tasks of these agents whose lease ran out (or that this node held in an earlier life), now leased to this node */
  expired(agents: string[], now: number, leaseMs: number, mine: boolean): Promise<TaskRowRead[]>;
  /** extends every lease this node holds; returns the ids it still holds */
  renew(now: number, leaseMs: number): Promise<Set<string>>;
  /** the task's row, leased to this node when nobody live holds it (or always, with force) */
  take(id: string, now: number, leaseMs: number, force: boolean): Promise<{ row: TaskRowRead; taken: boolean; before: string | null } | undefined>;
  /** gives a lease back (an operator's command that the state did not allow) */
  release(id: string): Promise<void>;
  /** the task id that holds the key: `id` when this call reserved it */
  reserveKey(key: string, id: string): Promise<string>;
  /** journal rows after `gid`, and those of the `holes` that committed since, in gid order */
  tail(gid: number, limit: number, holes: number[]): Promise<Array<{ gid: number; node: string; line: JournalLine }>>;
  /** deletes finished tasks (and their transitions) older than `cutoff`, `batch` at a time; returns how many */
  sweep(cutoff: number, batch: number): Promise<number>;
}

export function clusterSql(pool: pg.Pool, s: string, node: string): ClusterSql {
  const returning = TASK_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ');
  return {
    async claim(agent, limit, now, leaseMs) {
      const { rows } = await pool.query<TaskRowRead>(
        `UPDATE ${s}.tasks t SET lease_owner = $1, lease_until = $2
         FROM (SELECT id FROM ${s}.tasks WHERE lease_owner IS NULL AND status = 'ASSIGNED' AND agent = $3
               ORDER BY created_order LIMIT $4 FOR UPDATE SKIP LOCKED) c
         WHERE t.id = c.id RETURNING ${returning}`,
        [node, now + leaseMs, agent, limit],
      );
      return rows;
    },
    async expired(agents, now, leaseMs, mine) {
      const { rows } = await pool.query<TaskRowRead>(
        `UPDATE ${s}.tasks t SET lease_owner = $1, lease_until = $2
         FROM (SELECT id FROM ${s}.tasks WHERE lease_owner IS NOT NULL AND agent = ANY($3)
                 AND (CASE WHEN $5 THEN lease_owner = $1 ELSE lease_owner <> $1 AND lease_until < $4 END)
               ORDER BY lease_until LIMIT 200 FOR UPDATE SKIP LOCKED) c
         WHERE t.id = c.id RETURNING ${returning}`,
        [node, now + leaseMs, agents, now, mine],
      );
      return rows;
    },
    async renew(now, leaseMs) {
      const { rows } = await pool.query<{ id: string }>(`UPDATE ${s}.tasks SET lease_until = $2 WHERE lease_owner = $1 RETURNING id`, [node, now + leaseMs]);
      return new Set(rows.map((r) => r.id));
    },
    async take(id, now, leaseMs, force) {
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
    },
    async release(id) {
      await pool.query(`UPDATE ${s}.tasks SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`, [id, node]);
    },
    async reserveKey(key, id) {
      const { rows } = await pool.query<{ task_id: string }>(
        `WITH ins AS (INSERT INTO ${s}.idempotency_keys (key, task_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING task_id)
         SELECT task_id FROM ins UNION ALL SELECT task_id FROM ${s}.idempotency_keys WHERE key = $1 LIMIT 1`,
        [key, id],
      );
      if (rows[0]) return rows[0].task_id;
      // A concurrent reservation committed after this statement's snapshot: read it now.
      const again = await pool.query<{ task_id: string }>(`SELECT task_id FROM ${s}.idempotency_keys WHERE key = $1`, [key]);
      return again.rows[0]?.task_id ?? id;
    },
    async tail(gid, limit, holes) {
      const { rows } = await pool.query<{ gid: string; node: string; line: JournalLine }>(
        holes.length === 0
          ? `SELECT gid, node, line FROM ${s}.transitions WHERE gid > $1 ORDER BY gid LIMIT $2`
          : `SELECT gid, node, line FROM ${s}.transitions WHERE gid > $1 OR gid = ANY($3::bigint[]) ORDER BY gid LIMIT $2`,
        holes.length === 0 ? [gid, limit] : [gid, limit, holes],
      );
      return rows.map((r) => ({ gid: Number(r.gid), node: r.node, line: r.line }));
    },
    async sweep(cutoff, batch) {
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
    },
  };
}
