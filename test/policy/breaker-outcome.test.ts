import { describe, expect, it } from 'vitest';
import { breakerHears, callOutcome } from '../../src/policy/breaker-outcome.ts';
import { ERROR_KINDS } from '../../src/types.ts';

describe('what an attempt tells its breaker', () => {
  it('only failures that say the agent is unwell count; an answer about one task is a working agent', () => {
    const failures = ERROR_KINDS.filter((k) => callOutcome(k) === 'failure');
    expect(failures.sort()).toEqual(['connection', 'crash', 'rate_limit', 'server', 'timeout', 'unknown']);
    expect(callOutcome('validation')).toBe('success');
    expect(callOutcome('auth')).toBe('success');
    expect(callOutcome('cancelled')).toBe('ignore');
    expect(callOutcome(undefined)).toBe('success');
  });

  it('a CLOSED breaker hears counted failures only', () => {
    const closed = { circuit: 'CLOSED' as const, epoch: 3 };
    expect(breakerHears(closed, 3, 'server')).toBe('failure');
    expect(breakerHears(closed, 0, 'timeout')).toBe('failure');
    expect(breakerHears(closed, 3, undefined)).toBeUndefined();
    expect(breakerHears(closed, 3, 'validation')).toBeUndefined();
    expect(breakerHears(closed, 3, 'cancelled')).toBeUndefined();
  });

  it('a HALF_OPEN breaker hears every result of a probe of its own period, and nothing from an older one', () => {
    const half = { circuit: 'HALF_OPEN' as const, epoch: 5 };
    expect(breakerHears(half, 5, undefined)).toBe('success');
    expect(breakerHears(half, 5, 'server')).toBe('failure');
    expect(breakerHears(half, 5, 'cancelled')).toBe('ignore');
    expect(breakerHears(half, 4, 'server')).toBeUndefined();
    expect(breakerHears(half, -1, undefined)).toBeUndefined();
  });

  it('an OPEN breaker hears nothing', () => {
    for (const kind of [...ERROR_KINDS, undefined]) expect(breakerHears({ circuit: 'OPEN', epoch: 2 }, 2, kind)).toBeUndefined();
  });
});
