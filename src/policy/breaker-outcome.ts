// What an attempt's end tells its agent's breaker: which error kinds say the agent is unwell, and
// whether the breaker hears of it at all (a counted failure while CLOSED, any result of a probe of the
// current half-open period; nothing else).
import type { AgentContext, CallOutcome } from '../../machines/agent.ts';
import type { ErrorKind } from '../types.ts';

/** Failures of these kinds say the agent itself is unwell, so they count toward its breaker. */
const HEALTH_KINDS: ReadonlySet<ErrorKind> = new Set(['server', 'timeout', 'connection', 'crash', 'rate_limit', 'unknown']);

export function callOutcome(kind: ErrorKind | undefined): CallOutcome {
  if (kind === undefined) return 'success';
  if (kind === 'cancelled') return 'ignore';
  // The agent answered (a 400, 401 or 404 of one task): for the breaker that is a working agent.
  return HEALTH_KINDS.has(kind) ? 'failure' : 'success';
}

/** The outcome the breaker must hear for an attempt that ended with `kind` (undefined: success), or undefined when it need not. */
export function breakerHears(c: Pick<AgentContext, 'circuit' | 'epoch'>, attemptEpoch: number, kind: ErrorKind | undefined): CallOutcome | undefined {
  const outcome = callOutcome(kind);
  const probe = c.circuit === 'HALF_OPEN' && attemptEpoch === c.epoch;
  const counted = c.circuit === 'CLOSED' && outcome === 'failure';
  return probe || counted ? outcome : undefined;
}
