// The cluster's breakers in PostgreSQL, one row per agent name: failures counted in a window, the
// circuit state every process follows, and which process may send the half-open probes. Each change
// bumps `version` and notifies the channel, so every process hears of it at once.
import type pg from 'pg';

export interface BreakerRow {
  agent: string;
  state: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  opened_at: string | null;
  open_until: string | null;
  probe_owner: string | null;
  probe_until: string | null;
  version: string;
}

export interface BreakerSql {
  ensure(agents: string[]): Promise<void>;
  /** counts one failure; returns the failures in the current window (0 when the circuit is not CLOSED) */
  failure(agent: string, at: number, windowMs: number): Promise<number>;
  /** opens the circuit until `openUntil` unless it is already open at least that long; the new version, or undefined */
  trip(agent: string, at: number, openUntil: number): Promise<number | undefined>;
  /** makes this node the prober when the open period is over (or the last prober's turn ran out) */
  elect(agent: string, now: number, turnMs: number): Promise<number | undefined>;
  close(agent: string): Promise<number | undefined>;
  read(): Promise<BreakerRow[]>;
}

export function breakerSql(pool: pg.Pool, s: string, node: string, channel: string): BreakerSql {
  async function changed(text: string, values: unknown[], agent: string): Promise<number | undefined> {
    const { rows } = await pool.query<{ version: string }>(text, values);
    if (!rows[0]) return undefined;
    await pool.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ node, breaker: agent })]);
    return Number(rows[0].version);
  }
  return {
    async ensure(agents) {
      await pool.query(`INSERT INTO ${s}.breakers (agent) SELECT unnest($1::text[]) ON CONFLICT (agent) DO NOTHING`, [agents]);
    },
    async failure(agent, at, windowMs) {
      const { rows } = await pool.query<{ failures: number }>(
        `UPDATE ${s}.breakers SET
           failures = CASE WHEN window_start > $2::bigint - $3::bigint THEN failures + 1 ELSE 1 END,
           window_start = CASE WHEN window_start > $2::bigint - $3::bigint THEN window_start ELSE $2::bigint END
         WHERE agent = $1 AND state = 'CLOSED' RETURNING failures`,
        [agent, at, windowMs],
      );
      return rows[0]?.failures ?? 0;
    },
    trip: (agent, at, openUntil) =>
      changed(
        `UPDATE ${s}.breakers SET state = 'OPEN', opened_at = $2, open_until = $3, failures = 0, probe_owner = NULL, probe_until = NULL, version = version + 1
         WHERE agent = $1 AND NOT (state = 'OPEN' AND open_until >= $3) RETURNING version`,
        [agent, at, openUntil],
        agent,
      ),
    elect: (agent, now, turnMs) =>
      changed(
        `UPDATE ${s}.breakers SET state = 'HALF_OPEN', probe_owner = $2, probe_until = $3::bigint + $4::bigint, version = version + 1
         WHERE agent = $1 AND ((state = 'OPEN' AND open_until <= $3::bigint) OR (state = 'HALF_OPEN' AND (probe_owner = $2 OR probe_until < $3::bigint)))
         RETURNING version`,
        [agent, node, now, turnMs],
        agent,
      ),
    close: (agent) =>
      changed(
        `UPDATE ${s}.breakers SET state = 'CLOSED', failures = 0, window_start = 0, probe_owner = NULL, probe_until = NULL, version = version + 1
         WHERE agent = $1 AND state <> 'CLOSED' RETURNING version`,
        [agent],
        agent,
      ),
    async read() {
      return (await pool.query<BreakerRow>(`SELECT agent, state, opened_at, open_until, probe_owner, probe_until, version FROM ${s}.breakers`)).rows;
    },
  };
}
