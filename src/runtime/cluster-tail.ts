// The journal tail of a cluster: the rows other processes committed since the last read, applied to
// this process's task table in gid order, with the gaps a later commit of a smaller gid leaves.
import type { ClusterSql } from '../store/postgres-cluster-sql.ts';
import type { JournalLine } from '../store/state.ts';
import type { Clock } from '../types.ts';

const TAIL_PAGE = 2_000;
const HOLE_MS = 10_000;
const MAX_HOLES = 10_000;

export interface TailDeps {
  sql: ClusterSql;
  node: string;
  clock: Clock;
  /** the gid the restored state reached */
  from: number;
  /** a line another process journaled */
  apply(line: JournalLine): void;
}

/**
 * Commits of several processes are not serialized, so a smaller gid may commit after a larger one:
 * a gap passed over is a hole, asked for again by every tail until it shows up or HOLE_MS passes
 * (a rolled-back batch leaves one for good). Records of one task never overtake each other: a
 * process writes to a task only after the commit that handed it over.
 */
export function createTail(d: TailDeps): () => Promise<void> {
  let gid = d.from;
  const holes = new Map<number, number>();
  return async function tail() {
    for (;;) {
      const rows = await d.sql.tail(gid, TAIL_PAGE, [...holes.keys()]);
      for (const row of rows) {
        if (row.gid <= gid) holes.delete(row.gid);
        else {
          for (let g = gid + 1; g < row.gid && row.gid - g <= MAX_HOLES; g++) holes.set(g, d.clock.now());
          gid = row.gid;
        }
        if (row.node !== d.node) d.apply(row.line);
      }
      const old = d.clock.now() - HOLE_MS;
      for (const [g, at] of holes) if (at < old) holes.delete(g);
      if (rows.length < TAIL_PAGE) return;
    }
  };
}
