// A human action's who and why: the event carries them, the record it causes repeats them.
import type { Actor, TransitionFact } from '../src/types.ts';

/** Copies `by`/`reason` from an event that carries them onto the fact it causes; other events add nothing. */
export function actorOf(event: object, fact: TransitionFact): TransitionFact {
  const e = event as Actor;
  if (typeof e.by === 'string') fact.by = e.by;
  if (typeof e.reason === 'string') fact.reason = e.reason;
  return fact;
}
