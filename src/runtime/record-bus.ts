// Stamps each machine fact with seq and time and hands the record to every consumer in order.
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

export function createRecordBus(now: () => number, onListenerError: (err: unknown) => void): RecordBus {
  const listeners = new Set<RecordListener>();
  let seq = 0;
  return {
    publish(fact) {
      const record = { ...fact, seq: ++seq, at: now() } as TransitionRecord;
      for (const listener of listeners) {
        try {
          listener(record);
        } catch (err) {
          onListenerError(err);
        }
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
