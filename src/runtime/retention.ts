// Bounded memory and disk: finished tasks leave memory (the table, so every snapshot) once there are
// more than maxFinishedInMemory of them or they are older than finishedInMemoryMs; with a data dir
// they stay readable from the journal (get, history) until retentionMs, when the journal segments
// that hold them are deleted. Without one they are gone once they leave memory.
import type { ResolvedConfig } from '../config.ts';
import type { ArchiveIndex } from '../store/archive-index.ts';
import { pruneSegments } from '../store/journal.ts';
import { TERMINAL_STATUSES, type Clock } from '../types.ts';
import { every, type Repeating } from './clock.ts';
import type { TaskEntry, TaskTable } from './tasks.ts';

export interface Retention {
  /** a task just finished: it joins the queue, and the oldest finished leave memory past the count */
  settled(entry: TaskEntry): void;
  /** after a restore: every finished task in the table, oldest first */
  load(): void;
  /** the time rule, archive and segment pruning; run from time to time */
  sweep(): void;
  /** after a restore: load(), a sweep now, then a sweep every min(60 s, max(1 s, finishedInMemoryMs)) on the clock */
  start(): void;
  stop(): void;
  /** how many finished tasks are in memory */
  readonly finishedInMemory: number;
}

export function createRetention(d: {
  config: ResolvedConfig;
  tasks: TaskTable;
  archive: ArchiveIndex;
  /** the data dir, when tasks are persisted */
  dataDir: string | undefined;
  clock: Clock;
}): Retention {
  const { config, tasks, archive, clock } = d;
  let timer: Repeating | undefined;
  // Insertion order is settle order: the oldest finished task is always first.
  const finished = new Map<string, TaskEntry>();
  const segmentTimes = new Map<string, number | undefined>();
  // In memory only, a task that leaves memory is gone: then it keeps its retention, and only the count bounds it.
  const maxAgeMs = () => (d.dataDir === undefined ? config.retentionMs : Math.min(config.finishedInMemoryMs, config.retentionMs));

  function evict(entry: TaskEntry) {
    finished.delete(entry.id);
    tasks.remove(entry.id);
    if (d.dataDir !== undefined) archive.add(entry.id, entry.updatedAt);
  }

  function evictByCount() {
    for (const entry of finished.values()) {
      if (finished.size <= config.maxFinishedInMemory) break;
      evict(entry);
    }
  }

  const retention: Retention = {
    start() {
      retention.load();
      timer = every(clock, Math.min(60_000, Math.max(1_000, config.finishedInMemoryMs)), () => retention.sweep());
      retention.sweep();
    },
    stop() {
      timer?.stop();
    },
    settled(entry) {
      finished.delete(entry.id);
      finished.set(entry.id, entry);
      evictByCount();
    },
    load() {
      const done = [...tasks.all()].filter((e) => TERMINAL_STATUSES.includes(e.context.status)).sort((a, b) => a.updatedAt - b.updatedAt);
      for (const e of done) finished.set(e.id, e);
      evictByCount();
    },
    sweep() {
      const at = clock.now();
      const cutoff = at - maxAgeMs();
      for (const entry of finished.values()) {
        if (entry.updatedAt >= cutoff) break;
        evict(entry);
      }
      if (d.dataDir === undefined) return;
      archive.prune(at - config.retentionMs);
      pruneSegments(d.dataDir, at - config.retentionMs, segmentTimes);
    },
    get finishedInMemory() {
      return finished.size;
    },
  };
  return retention;
}
