// The who and why of a human action (cancel, retry, resolve, breaker reset, agent start/stop/restart),
// checked once at the face so a bad value is refused before any state changes.
import { WardenError } from '../errors.ts';
import type { Actor, Budget } from '../types.ts';

export interface ActionOptions {
  /** why, recorded in the action's TransitionRecord (at most 1000 characters) */
  reason?: string;
  /** who acts: the HTTP control plane sets the token's name. @defaultValue 'library' */
  by?: string;
}

/** retry()'s options: besides who and why, a budget grant (each field: that much more than is used now). */
export interface RetryOptions extends ActionOptions {
  budget?: Budget;
}

export const MAX_REASON = 1_000;
const MAX_BY = 128;

/** `{ by, reason }` for the event, `by` defaulting to `library`; invalid_input naming the field otherwise. */
export function actorFrom(opts: unknown): Required<Pick<Actor, 'by'>> & Actor {
  if (opts === undefined || opts === null) return { by: 'library' };
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new WardenError('invalid_input', 'options: must be an object like { reason }', { field: 'options' });
  }
  const { by, reason } = opts as RetryOptions;
  if (by !== undefined && (typeof by !== 'string' || by.length === 0 || by.length > MAX_BY)) {
    throw new WardenError('invalid_input', `by: must be a non-empty string of at most ${MAX_BY} characters`, { field: 'by' });
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) {
    throw new WardenError('invalid_input', `reason: must be a string of at most ${MAX_REASON} characters`, { field: 'reason' });
  }
  const actor: Required<Pick<Actor, 'by'>> & Actor = { by: by ?? 'library' };
  if (reason !== undefined && reason !== '') actor.reason = reason;
  return actor;
}
