// Retention: finished tasks older than retentionMs leave memory (and the next snapshot); with a data
// directory their ids are remembered (a bounded number), so history() knows to read the journal.
import { TERMINAL_STATUSES, type Clock } from '../types.ts';
import { every, type Repeating } from './clock.ts';
import type { TaskTable } from './tasks.ts';

/** swept task ids remembered for history(); beyond this, the oldest are forgotten */
const MAX_ARCHIVED = 100_000;

export interface Retention {
  /** sweeps now, then every min(60 s, max(1 s, retentionMs)) on the clock */
  start(): void;
  stop(): void;
  /** ids swept while a data directory keeps their records (the snapshot carries them) */
  readonly archived: Set<string>;
}

export function createRetention(opts: { tasks: TaskTable; clock: Clock; retentionMs: number; persist: boolean }): Retention {
  const { tasks, clock, retentionMs } = opts;
  const archived = new Set<string>();
  let timer: Repeating | undefined;

  function sweep() {
    const cutoff = clock.now() - retentionMs;
    for (const entry of [...tasks.all()]) {
      if (TERMINAL_STATUSES.includes(entry.context.status) && entry.updatedAt < cutoff) {
        tasks.remove(entry.id);
        if (opts.persist) archive(entry.id);
      }
    }
  }

  function archive(id: string) {
    archived.add(id);
    if (archived.size > MAX_ARCHIVED) archived.delete(archived.values().next().value as string);
  }

  return {
    archived,
    start() {
      timer = every(clock, Math.min(60_000, Math.max(1_000, retentionMs)), sweep);
      sweep();
    },
    stop() {
      timer?.stop();
    },
  };
}
