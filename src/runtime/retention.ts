// Bounded memory and disk: finished tasks leave memory (the table, so every snapshot) once there are
// more than maxFinishedInMemory of them or they are older than finishedInMemoryMs; with a data dir
// they stay readable from the journal (get, history) until retentionMs, when the journal segments
// that hold them are deleted. Without one they are gone once they leave memory.
import type { ResolvedConfig } from '../config.ts';
import type { ArchiveCatalog } from '../store/archive-catalog.ts';
import type { ArchiveIndex } from '../store/archive-index.ts';
import { pruneSegments } from '../store/journal.ts';
import type { TaskState } from '../store/state.ts';
import { TERMINAL_STATUSES, type Clock } from '../types.ts';
import { creationKey } from './archived-list.ts';
import { every, type Repeating } from './clock.ts';
import type { TaskEntry, TaskTable } from './tasks.ts';

/** what a finished task keeps on disk: its context without the spent decision */
function stateOf(c: TaskEntry['context']): TaskState {
  const { decision, ...rest } = c;
  return rest;
}

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
  /** where a task that leaves memory is written (with a data dir, once it is open) */
  catalog: () => ArchiveCatalog | undefined;
}): Retention {
  const { config, tasks, archive, clock } = d;
  let timer: Repeating | undefined;
  // Settle order, oldest first, as a queue read from `head`: a Map walked from its front after many
  // deletes skips every deleted slot first (V8 keeps them until a rehash), a hot cost at 10k finished.
  // An entry of the queue that is no longer `finished` (evicted by the time rule) is skipped. A task
  // settles once (its terminal states are final), so an entry is queued once.
  const finished = new Map<string, TaskEntry>();
  let queue: Array<TaskEntry | undefined> = [];
  let head = 0;
  const segmentTimes = new Map<string, number | undefined>();
  // In memory only, a task that leaves memory is gone: then it keeps its retention, and only the count bounds it.
  const maxAgeMs = () => (d.dataDir === undefined ? config.retentionMs : Math.min(config.finishedInMemoryMs, config.retentionMs));

  function evict(entry: TaskEntry) {
    finished.delete(entry.id);
    tasks.remove(entry.id);
    if (d.dataDir === undefined) return;
    archive.add(entry.id, entry.updatedAt);
    const { createdAt, updatedAt, idempotencyKey, history } = entry;
    d.catalog()?.add({ q: creationKey(entry), t: { ctx: stateOf(entry.context), createdAt, updatedAt, idempotencyKey, history } });
  }

  /** the oldest finished task still in memory, dropping stale queue slots on the way */
  function oldest(): TaskEntry | undefined {
    while (head < queue.length) {
      const e = queue[head];
      if (e && finished.get(e.id) === e) return e;
      // Cleared, not just passed: the consumed front would otherwise hold up to 10k evicted tasks alive.
      queue[head++] = undefined;
    }
    return undefined;
  }

  function enqueue(entry: TaskEntry) {
    if (finished.get(entry.id) === entry) return;
    finished.set(entry.id, entry);
    queue.push(entry);
    // Compact once the consumed front outweighs the rest: amortised O(1) a task.
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  function evictByCount() {
    while (finished.size > config.maxFinishedInMemory) {
      const e = oldest();
      if (!e) break;
      evict(e);
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
      enqueue(entry);
      evictByCount();
    },
    load() {
      const done = [...tasks.all()].filter((e) => TERMINAL_STATUSES.includes(e.context.status)).sort((a, b) => a.updatedAt - b.updatedAt);
      for (const e of done) enqueue(e);
      evictByCount();
    },
    sweep() {
      const at = clock.now();
      const cutoff = at - maxAgeMs();
      for (let e = oldest(); e && e.updatedAt < cutoff; e = oldest()) evict(e);
      if (d.dataDir === undefined) return;
      archive.prune(at - config.retentionMs);
      d.catalog()?.prune(at - config.retentionMs);
      pruneSegments(d.dataDir, at - config.retentionMs, segmentTimes);
    },
    get finishedInMemory() {
      return finished.size;
    },
  };
  return retention;
}
