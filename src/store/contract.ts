// The Store contract: what the runtime needs from storage, and all it may use. The file store
// (journal + lowdb snapshot, file-store.ts) and the PostgreSQL store (postgres-store.ts) implement
// it, so every method that may touch the storage is async.
import type { TransitionRecord } from '../types.ts';
import type { JournalLine, PersistedState } from './state.ts';

/** One journal entry as the runtime appends it; the store numbers it. */
export type StoreEntry = JournalLine extends infer L ? (L extends JournalLine ? Omit<L, 'n'> : never) : never;

export interface Restored {
  /** the last snapshot with every entry after it applied */
  state: PersistedState;
  /** what restore skipped or repaired (a torn last journal line), for a WARNING alert */
  warnings: string[];
}

export interface Store {
  /** takes the storage for this process and restores what it holds; called once, before anything else */
  open(): Promise<Restored>;
  /** numbers and buffers one entry: the entries of one event-loop turn are committed together */
  append(entry: StoreEntry): void;
  /** resolves once every entry appended so far is durable (as the durability mode defines it) */
  durable(): Promise<void>;
  /** writes what is buffered now (before a read of the entries, or at a crash-sensitive point) */
  flush(): void;
  /** writes `build(n)` (live state as of entry n) as the snapshot; entries it covers need not be replayed again */
  snapshot(build: SnapshotBuilder): Promise<void>;
  /** every transition record of one task, oldest first, from the stored entries */
  history(taskId: string): Promise<TransitionRecord[]>;
  /** flushes, waits for a snapshot in progress, releases the storage; safe to call twice */
  close(): Promise<void>;
}

/** The live state as of entry `n`; `tasks: false` when the store keeps the tasks elsewhere (PostgreSQL's
 * rows), so the state is built without them: a snapshot of a big cluster's mirror cost seconds. */
export type SnapshotBuilder = (n: number, o: { tasks: boolean }) => PersistedState;
