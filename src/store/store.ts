// Opens a data directory: restores snapshot + journal into one state, then keeps writing both.
// The runtime reaches it through the Store contract (contract.ts, file-store.ts), not directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WardenError } from '../errors.ts';
import { journalFiles, LIVE_JOURNAL, openJournal, readJournalFile, type Durability, type JournalWriter } from './journal.ts';
import { readSnapshot, removeStaleTemps, writeSnapshot } from './snapshot.ts';
import type { SnapshotBuilder } from './contract.ts';
import { applyLine, type PersistedState } from './state.ts';

export interface DataDir {
  /** the state restored at open */
  readonly restored: PersistedState;
  /** what restore skipped or repaired (a torn last journal line) */
  readonly warnings: string[];
  readonly journal: JournalWriter;
  /** flushes and rotates the journal, then writes `build()` as the snapshot; one at a time */
  snapshot(build: SnapshotBuilder): Promise<void>;
  close(): Promise<void>;
}

export async function openDataDir(dir: string, opts: { durability: Durability; maxAlerts: number; onError: (err: unknown) => void }): Promise<DataDir> {
  ensureWritableDir(dir);
  const unlock = lock(dir);
  let restored: PersistedState;
  const warnings: string[] = [];
  let journal: JournalWriter;
  try {
    removeStaleTemps(dir);
    restored = await readSnapshot(dir);
    replayJournal(dir, restored, opts.maxAlerts, warnings);
    journal = openJournal(dir, { durability: opts.durability, n: restored.n, onError: opts.onError });
  } catch (err) {
    unlock();
    throw err;
  }
  let writing: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  async function write(build: SnapshotBuilder) {
    journal.flushSync();
    const state = build(journal.n, { tasks: true });
    journal.rotate();
    await writeSnapshot(dir, state);
  }

  function snapshot(build: SnapshotBuilder): Promise<void> {
    // One write at a time; one asked for meanwhile runs after it, so the last snapshot has the latest state.
    if (writing) {
      queued ??= writing.catch(() => {}).then(() => {
        queued = undefined;
        return snapshot(build);
      });
      return queued;
    }
    const current = write(build).finally(() => {
      if (writing === current) writing = undefined;
    });
    writing = current;
    return current;
  }

  return {
    restored,
    warnings,
    journal,
    snapshot,
    async close() {
      await Promise.allSettled([writing, queued]);
      try {
        await journal.close();
      } finally {
        unlock();
      }
    },
  };
}

const LOCK_FILE = 'lock';

/**
 * One process per data directory: two would interleave their journals. The lock names its pid; a
 * lock whose process is gone (a crash) is taken over, and so is one of this very process (an
 * instance dropped without stop(), as tests do).
 */
function lock(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, at: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return () => {
        if (readLock(file) === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(file);
      if (holder !== undefined && holder !== process.pid && alive(holder)) {
        throw new WardenError(
          'locked',
          `data directory ${dir} is in use by process ${holder} (${file}); stop that process or use another dataDir`,
          { dir, pid: holder },
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new WardenError('locked', `could not lock the data directory ${dir} (${file})`, { dir });
}

function readLock(file: string): number | undefined {
  try {
    const pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ensureWritableDir(dir: string) {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
  } catch (err) {
    throw new WardenError(
      'corrupt_state',
      `data directory ${dir} is not usable (${(err as Error).message}); make it a writable directory or set dataDir`,
      { dir },
    );
  }
}

/** Applies every journal line past the snapshot, in order; lines must number on without gaps or repeats. */
function replayJournal(dir: string, state: PersistedState, maxAlerts: number, warnings: string[]) {
  const files = journalFiles(dir, state.n);
  let last: number | undefined;
  for (const file of files) {
    const { lines, torn, validBytes } = readJournalFile(file);
    for (const [i, line] of lines.entries()) {
      if (last !== undefined && line.n !== last + 1) {
        const what = line.n <= last ? 'repeats or goes back to' : 'skips to';
        throw new WardenError(
          'corrupt_state',
          `${file}: line ${i + 1} ${what} number ${line.n} after ${last}. Nothing was changed. Restore the journal from a backup or move it aside.`,
          { file, line: i + 1, n: line.n },
        );
      }
      last = line.n;
      if (line.n > state.n) {
        if (line.n > state.n + 1) {
          throw new WardenError(
            'corrupt_state',
            `${file}: line ${i + 1} is number ${line.n} but the snapshot ends at ${state.n}: journal lines are missing. Nothing was changed.`,
            { file, line: i + 1 },
          );
        }
        applyLine(state, line, maxAlerts);
      }
    }
    if (torn) {
      warnings.push(`${file}: skipped a torn last line at byte ${torn.offset} (${torn.bytes} bytes), as a crash mid-write leaves`);
      // New lines must not follow a partial one, or the next restore would find corruption mid-file.
      if (path.basename(file) === LIVE_JOURNAL) fs.truncateSync(file, validBytes);
    }
  }
}
