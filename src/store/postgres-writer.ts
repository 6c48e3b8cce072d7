// Group commit into PostgreSQL: the entries of one event-loop turn become one batch (postgres-batch.ts
// writes it in one statement); while one is written the next gathers, and a batch the database
// refused is kept, in order, and tried again once a second.
import type { JournalLine } from './state.ts';
import { writeBatch, type BatchOptions } from './postgres-batch.ts';

export interface WriterOptions extends BatchOptions {
  /** task ids whose lines were dropped: another process owns them now */
  onFenced(ids: string[]): void;
  /** a batch could not be written; it is kept and tried again */
  onError(err: unknown): void;
  onHealthy(healthy: boolean): void;
}

export interface Writer {
  push(line: JournalLine): void;
  /** resolves once every line pushed so far is committed; rejects when the database refused the batch */
  durable(): Promise<void>;
  /** starts a write of what is buffered now (the next turn at the latest) */
  flush(): void;
  /** resolves when nothing is buffered or being written (errors included) */
  settled(): Promise<void>;
  readonly healthy: boolean;
  close(): Promise<void>;
}

interface Waiter {
  upTo: number;
  resolve(): void;
  reject(err: unknown): void;
}

const RETRY_MS = 1_000;

/** The group-commit loop's state: plain data its functions share. */
interface Loop {
  pending: JournalLine[];
  pushed: number;
  committed: number;
  writing: Promise<void> | undefined;
  scheduled: boolean;
  retryTimer: unknown;
  healthy: boolean;
  closed: boolean;
  waiters: Waiter[];
  idle: Array<() => void>;
}

export function createWriter(o: WriterOptions): Writer {
  const l: Loop = {
    pending: [],
    pushed: 0,
    committed: 0,
    writing: undefined,
    scheduled: false,
    retryTimer: undefined,
    healthy: true,
    closed: false,
    waiters: [],
    idle: [],
  };
  return {
    push(line) {
      l.pending.push(line);
      l.pushed = line.n;
      schedule(o, l);
    },
    durable() {
      if (l.committed >= l.pushed) return Promise.resolve();
      const upTo = l.pushed;
      return new Promise<void>((resolve, reject) => {
        l.waiters.push({ upTo, resolve, reject });
        schedule(o, l);
      });
    },
    flush() {
      if (l.retryTimer === undefined) write(o, l);
    },
    settled() {
      if (!l.writing && (l.pending.length === 0 || !l.healthy)) return Promise.resolve();
      return new Promise<void>((resolve) => l.idle.push(resolve));
    },
    get healthy() {
      return l.healthy;
    },
    async close() {
      if (l.retryTimer === undefined) write(o, l);
      await (l.writing ?? Promise.resolve()).catch(() => {});
      l.closed = true;
      if (l.retryTimer !== undefined) o.clock.clearTimeout(l.retryTimer);
      l.retryTimer = undefined;
    },
  };
}

function schedule(o: WriterOptions, l: Loop) {
  if (l.scheduled || l.writing || l.retryTimer !== undefined) return;
  l.scheduled = true;
  setImmediate(() => {
    l.scheduled = false;
    write(o, l);
  });
}

function write(o: WriterOptions, l: Loop) {
  if (l.writing || l.pending.length === 0) return settle(l);
  const batch = l.pending;
  l.pending = [];
  const upTo = batch[batch.length - 1]?.n ?? l.committed;
  l.writing = writeBatch(o, batch).then(
    (fenced) => written(o, l, upTo, fenced),
    (err: unknown) => failed(o, l, batch, err),
  );
}

function written(o: WriterOptions, l: Loop, upTo: number, fenced: string[]) {
  l.writing = undefined;
  l.committed = Math.max(l.committed, upTo);
  if (!l.healthy) o.onHealthy((l.healthy = true));
  if (fenced.length > 0) o.onFenced(fenced);
  for (const w of l.waiters.splice(0).filter((w) => (w.upTo <= l.committed ? (w.resolve(), false) : true))) l.waiters.push(w);
  if (l.pending.length > 0) write(o, l);
  else settle(l);
}

function failed(o: WriterOptions, l: Loop, batch: JournalLine[], err: unknown) {
  l.writing = undefined;
  // Kept, in order, ahead of what came since: the database may come back.
  l.pending = [...batch, ...l.pending];
  if (l.healthy) o.onHealthy((l.healthy = false));
  o.onError(err);
  for (const w of l.waiters.splice(0)) w.reject(err);
  settle(l);
  if (!l.closed) {
    l.retryTimer = o.clock.setTimeout(() => {
      l.retryTimer = undefined;
      write(o, l);
    }, RETRY_MS);
  }
}

function settle(l: Loop) {
  if (l.writing || (l.pending.length > 0 && l.healthy)) return;
  for (const f of l.idle.splice(0)) f();
}
