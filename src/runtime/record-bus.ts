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
      const record = stamp(fact, ++seq, now());
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

/**
 * The record as one literal: its common fields in the object itself, so a record kept in a task's
 * history holds no separate property array (stamping seq and at onto the fact added one, ~40 B a
 * record). A spread copy would not do: it gives every record its own hidden class.
 */
function stamp(f: TransitionFact, seq: number, at: number): TransitionRecord {
  // Two shapes: task records (attempt and agent always set) and the others (agent and supervisor ones).
  const r: TransitionRecord =
    f.attempt !== undefined
      ? { kind: f.kind, id: f.id, from: f.from, to: f.to, event: f.event, attempt: f.attempt, agent: f.agent, seq, at }
      : { kind: f.kind, id: f.id, from: f.from, to: f.to, event: f.event, seq, at };
  if (f.attempt === undefined && f.agent !== undefined) r.agent = f.agent;
  if (f.error !== undefined) r.error = f.error;
  if (f.by !== undefined) r.by = f.by;
  if (f.reason !== undefined) r.reason = f.reason;
  if (f.usage !== undefined) r.usage = f.usage;
  if (f.closedUntil !== undefined) r.closedUntil = f.closedUntil;
  return r;
}

// stamp() copies each field by name (one fixed shape is cheaper than a spread): a field added to
// TransitionFact and not copied above fails the typecheck here instead of vanishing from the records.
type Copied = 'kind' | 'id' | 'from' | 'to' | 'event' | 'attempt' | 'agent' | 'error' | 'by' | 'reason' | 'usage' | 'closedUntil';
const everyFieldCopied: [Exclude<keyof TransitionFact, Copied>] extends [never] ? true : Exclude<keyof TransitionFact, Copied> = true;
void everyFieldCopied;
