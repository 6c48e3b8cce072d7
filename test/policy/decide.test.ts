import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/policy/backoff.ts';
import { decideRetry, MAX_RETRY_AFTER_MS, type RetryInput } from '../../src/policy/decide.ts';
import type { ErrorKind, TaskError } from '../../src/types.ts';

const BACKOFF = { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 'none' } as const;

function input(error: Partial<TaskError> & { kind: ErrorKind }, over: Partial<RetryInput> = {}): RetryInput {
  return {
    error: { message: 'm', ...error },
    attempts: 1,
    maxRetries: 3,
    failureCounts: { [error.kind]: 1 },
    backoff: BACKOFF,
    rand: 0.5,
    maxTimeoutMs: 120_000,
    ...over,
  };
}

describe('decideRetry', () => {
  it.each(['auth', 'not_found', 'cancelled'] as const)('%s is never retried, and the reason names it', (kind) => {
    const decision = decideRetry(input({ kind }, { attempts: 1, maxRetries: 10 }));
    expect(decision.retry).toBe(false);
    if (!decision.retry) expect(decision.reason).toContain(kind);
  });

  it.each(['server', 'connection', 'crash', 'unknown'] as const)('%s retries with backoff (n = attempts - 1)', (kind) => {
    expect(decideRetry(input({ kind }, { attempts: 1 }))).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry(input({ kind }, { attempts: 3 }))).toEqual({ retry: true, delayMs: 4000 });
  });

  it('passes rand and prevDelayMs to the backoff', () => {
    const backoff = { ...BACKOFF, jitter: 'decorrelated' as const };
    const decision = decideRetry(input({ kind: 'server' }, { backoff, rand: 0.25, prevDelayMs: 5000, attempts: 2 }));
    expect(decision).toEqual({ retry: true, delayMs: backoffDelay(backoff, 1, 0.25, 5000) });
    expect(decision).toEqual({ retry: true, delayMs: 4500 }); // 1000 + 0.25 × (15000 - 1000)
  });

  describe('budget', () => {
    it('maxRetries 1 allows a second attempt but not a third', () => {
      expect(decideRetry(input({ kind: 'server' }, { attempts: 1, maxRetries: 1 })).retry).toBe(true);
      const spent = decideRetry(input({ kind: 'server' }, { attempts: 2, maxRetries: 1 }));
      expect(spent.retry).toBe(false);
      if (!spent.retry) expect(spent.reason).toMatch(/budget/);
    });

    it('maxRetries 0 allows no retry', () => {
      expect(decideRetry(input({ kind: 'server' }, { attempts: 1, maxRetries: 0 })).retry).toBe(false);
    });

    it('attempts == maxRetries is the last retry allowed', () => {
      expect(decideRetry(input({ kind: 'connection' }, { attempts: 5, maxRetries: 5 })).retry).toBe(true);
      expect(decideRetry(input({ kind: 'connection' }, { attempts: 6, maxRetries: 5 })).retry).toBe(false);
    });

    it('applies to every retryable kind, Retry-After included', () => {
      for (const kind of ['rate_limit', 'server', 'connection', 'crash', 'unknown', 'timeout', 'validation'] as const) {
        expect(decideRetry(input({ kind, retryAfterMs: 10 }, { attempts: 4, maxRetries: 3, timeoutMs: 10 })).retry).toBe(false);
      }
    });
  });

  describe('validation', () => {
    it('retries the first validation failure', () => {
      expect(decideRetry(input({ kind: 'validation' }, { failureCounts: { validation: 1 } }))).toEqual({ retry: true, delayMs: 1000 });
    });

    it('does not retry a second validation failure even with budget left', () => {
      const decision = decideRetry(input({ kind: 'validation' }, { attempts: 2, maxRetries: 10, failureCounts: { validation: 2, server: 1 } }));
      expect(decision.retry).toBe(false);
      if (!decision.retry) expect(decision.reason).toMatch(/validation/);
    });

    it('counts only validation failures', () => {
      const decision = decideRetry(input({ kind: 'validation' }, { attempts: 3, failureCounts: { validation: 1, server: 2 } }));
      expect(decision.retry).toBe(true);
    });

    it('a missing count is taken as this failure alone', () => {
      expect(decideRetry(input({ kind: 'validation' }, { failureCounts: {} })).retry).toBe(true);
    });
  });

  describe('rate_limit', () => {
    it('waits what Retry-After said instead of the backoff', () => {
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: 7500 }, { attempts: 3 }))).toEqual({ retry: true, delayMs: 7500 });
    });

    it('Retry-After 0 means retry at once', () => {
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: 0 }, { attempts: 3 }))).toEqual({ retry: true, delayMs: 0 });
    });

    it('caps Retry-After at one hour', () => {
      expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: 86_400_000 }))).toEqual({ retry: true, delayMs: 3_600_000 });
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: Infinity }))).toEqual({ retry: true, delayMs: 3_600_000 });
    });

    it('Retry-After is not capped by the backoff maxMs', () => {
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: 90_000 }))).toEqual({ retry: true, delayMs: 90_000 });
    });

    it('falls back to backoff without Retry-After (or with a broken one)', () => {
      expect(decideRetry(input({ kind: 'rate_limit' }, { attempts: 2 }))).toEqual({ retry: true, delayMs: 2000 });
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: NaN }, { attempts: 2 }))).toEqual({ retry: true, delayMs: 2000 });
      expect(decideRetry(input({ kind: 'rate_limit', retryAfterMs: -5 }, { attempts: 2 }))).toEqual({ retry: true, delayMs: 2000 });
    });

    it('Retry-After on other kinds is not used as the delay', () => {
      expect(decideRetry(input({ kind: 'server', retryAfterMs: 7500 }))).toEqual({ retry: true, delayMs: 1000 });
    });
  });

  describe('timeout', () => {
    it('doubles the timeout and backs off', () => {
      expect(decideRetry(input({ kind: 'timeout' }, { attempts: 2, timeoutMs: 30_000 }))).toEqual({
        retry: true, delayMs: 2000, timeoutMs: 60_000,
      });
    });

    it('caps the doubled timeout at maxTimeoutMs', () => {
      expect(decideRetry(input({ kind: 'timeout' }, { timeoutMs: 90_000, maxTimeoutMs: 120_000 }))).toEqual({
        retry: true, delayMs: 1000, timeoutMs: 120_000,
      });
    });

    it('sets no timeout when the attempt had none', () => {
      const decision = decideRetry(input({ kind: 'timeout' }));
      expect(decision).toEqual({ retry: true, delayMs: 1000 });
      expect(decision).not.toHaveProperty('timeoutMs');
    });

    it('only timeouts change the timeout', () => {
      expect(decideRetry(input({ kind: 'server' }, { timeoutMs: 30_000 }))).not.toHaveProperty('timeoutMs');
    });
  });
});
