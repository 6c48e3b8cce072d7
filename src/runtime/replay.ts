// Records after a given seq, for an event stream that resumes (SSE Last-Event-ID): the recent ones
// from memory, older ones read back from the journal files.
import { journalFiles, readJournalFile, readJournalLinesWith } from '../store/journal.ts';
import { applyLine, emptyState, type JournalLine, type PersistedTask } from '../store/state.ts';
import type { TransitionRecord } from '../types.ts';

export interface Replay {
  remember(r: TransitionRecord): void;
  since(seq: number, limit?: number): TransitionRecord[];
  /** one task as its journal lines leave it (a task that left memory), or undefined */
  taskOf(id: string): PersistedTask | undefined;
}

export function createReplay(opts: { capacity: number; journalDir?: () => string | undefined; flush?: () => void }): Replay {
  const ring: TransitionRecord[] = [];
  let head = 0;

  function recent(): TransitionRecord[] {
    return ring.length < opts.capacity ? ring : [...ring.slice(head), ...ring.slice(0, head)];
  }

  function scan(keep: (r: TransitionRecord) => boolean, limit: number): TransitionRecord[] {
    const dir = opts.journalDir?.();
    if (!dir) return [];
    opts.flush?.();
    const out: TransitionRecord[] = [];
    for (const file of journalFiles(dir, 0)) {
      for (const line of readJournalFile(file).lines) {
        if ('r' in line && keep(line.r)) out.push(line.r);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** The lines that name one task, oldest first. */
  function linesOf(id: string): JournalLine[] {
    const dir = opts.journalDir?.();
    if (!dir) return [];
    opts.flush?.();
    return journalFiles(dir, 0).flatMap((file) => readJournalLinesWith(file, id));
  }

  return {
    taskOf(id) {
      // The same fold as a restore, over just this task's lines.
      const state = emptyState();
      for (const line of linesOf(id)) {
        const mine = ('r' in line && 'task' in line && line.r.id === id) || ('c' in line && line.c.id === id) || ('hb' in line && line.hb.id === id);
        if (mine) applyLine(state, line, 0);
      }
      return state.tasks[id];
    },
    remember(r) {
      if (ring.length < opts.capacity) ring.push(r);
      else {
        ring[head] = r;
        head = (head + 1) % opts.capacity;
      }
    },
    since(seq, limit = 10_000) {
      const mem = recent();
      const first = mem[0];
      if (!first || first.seq <= seq + 1) return mem.filter((r) => r.seq > seq).slice(0, limit);
      return scan((r) => r.seq > seq, limit);
    },
  };
}
