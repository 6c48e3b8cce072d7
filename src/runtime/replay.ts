// Records after a given seq, for an event stream that resumes (SSE Last-Event-ID): the recent ones
// from memory, older ones read back from the journal files.
import { journalFiles, readJournalFile } from '../store/journal.ts';
import type { TransitionRecord } from '../types.ts';

export interface Replay {
  remember(r: TransitionRecord): void;
  since(seq: number, limit?: number): TransitionRecord[];
  /** every record of one task, from the journal files (a slow path: it reads them all) */
  ofTask(id: string): TransitionRecord[];
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

  return {
    ofTask: (id) => scan((r) => r.kind === 'task' && r.id === id, Number.MAX_SAFE_INTEGER),
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
