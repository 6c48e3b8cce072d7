// The file store: the Store contract over a data directory (JSONL journal with group commit, lowdb
// snapshot, a pid lock), built on openDataDir (store.ts) and the journal reader (journal.ts).
import type { TransitionRecord } from '../types.ts';
import type { Restored, SnapshotBuilder, Store, StoreEntry } from './contract.ts';
import { journalFiles, readJournalFile, type Durability } from './journal.ts';
import { openDataDir, type DataDir } from './store.ts';

export interface FileStoreOptions {
  durability: Durability;
  /** alerts kept when the journal is replayed */
  maxAlerts: number;
  /** a journal write that failed after its caller was answered */
  onError: (err: unknown) => void;
}

export function createFileStore(dir: string, opts: FileStoreOptions): Store {
  let opened: DataDir | undefined;
  let closing: Promise<void> | undefined;

  function must(): DataDir {
    if (!opened) throw new Error(`the file store on ${dir} is not open: call open() first`);
    return opened;
  }

  return {
    async open(): Promise<Restored> {
      if (opened) throw new Error(`the file store on ${dir} is already open`);
      opened = await openDataDir(dir, opts);
      return { state: opened.restored, warnings: opened.warnings };
    },
    append(entry: StoreEntry) {
      must().journal.append(entry);
    },
    durable: () => must().journal.durable(),
    flush: () => must().journal.flushSync(),
    snapshot: (build: SnapshotBuilder) => must().snapshot(build),
    async history(taskId: string): Promise<TransitionRecord[]> {
      must().journal.flushSync();
      const out: TransitionRecord[] = [];
      for (const file of journalFiles(dir, 0)) {
        for (const line of readJournalFile(file).lines) if ('r' in line && line.r.kind === 'task' && line.r.id === taskId) out.push(line.r);
      }
      return out;
    },
    close() {
      closing ??= opened ? opened.close() : Promise.resolve();
      return closing;
    },
  };
}
