// Stamps each machine fact with seq and time, runs the runtime's own step on it (one function, its
// order written out there), then hands it to the listeners (users, the HTTP layer), whose order does not matter.
import type { TransitionFact, TransitionRecord } from '../types.ts';

export type RecordListener = (record: TransitionRecord) => void;

export interface RecordBus {
  publish(fact: TransitionFact): TransitionRecord;
  subscribe(listener: RecordListener): () => void;
  /** the seq of the last record published */
  readonly seq: number;
  /** restore continues numbering after the journal's last record */
  resumeAt(seq: number): void;
}

export function createRecordBus(now: () => number, step: RecordListener, onListenerError: (err: unknown) => void): RecordBus {
  const listeners = new Set<RecordListener>();
  let seq = 0;
  // A listener may cause another record (a record of one actor moves another). That one waits until
  // every listener has seen the current one, so all of them see records in seq order.
  const pending: TransitionRecord[] = [];
  let delivering = false;

  function deliver(record: TransitionRecord) {
    try {
      step(record);
    } catch (err) {
      onListenerError(err);
    }
    for (const listener of listeners) {
      try {
        listener(record);
      } catch (err) {
        onListenerError(err);
      }
    }
  }

  return {
    publish(fact) {
      // Stamped in place: the fact is a fresh object from the machine, and a spread copy per record
      // would give every record its own hidden class.
      const record = fact as TransitionRecord;
      record.seq = ++seq;
      record.at = now();
      pending.push(record);
      if (delivering) return record;
      delivering = true;
      try {
        for (let next = pending.shift(); next; next = pending.shift()) deliver(next);
      } finally {
        delivering = false;
      }
      return record;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get seq() {
      return seq;
    },
    resumeAt(s) {
      seq = s;
    },
  };
}
