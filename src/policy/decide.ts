// The per-error-kind retry rule: whether a failed attempt may be retried, and after how long.
import type { BackoffOptions, ErrorKind, TaskError } from '../types.ts';
import { backoffDelay } from './backoff.ts';

export type RetryDecision = { retry: true; delayMs: number; timeoutMs?: number } | { retry: false; reason: string };

export interface RetryInput {
  error: TaskError;
  /** attempts started so far, including the one that failed */
  attempts: number;
  /** retries allowed after the first attempt: maxRetries 1 allows 2 attempts */
  maxRetries: number;
  /** failures so far by kind, INCLUDING this one */
  failureCounts: Partial<Record<ErrorKind, number>>;
  backoff: BackoffOptions;
  /** in [0, 1), for jitter */
  rand: number;
  prevDelayMs?: number;
  /** the timeout of the attempt that failed, if it had one */
  timeoutMs?: number;
  maxTimeoutMs: number;
}

const NEVER_RETRIED: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['auth', 'not_found', 'cancelled', 'budget']);
/** A server asking for a longer wait than this is treated as asking for this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export function decideRetry(i: RetryInput): RetryDecision {
  const reason = refusal(i);
  if (reason !== undefined) return { retry: false, reason };
  const asked = i.error.retryAfterMs;
  // `asked >= 0` also rejects NaN, which falls back to backoff.
  if (i.error.kind === 'rate_limit' && asked !== undefined && asked >= 0) {
    return { retry: true, delayMs: Math.min(MAX_RETRY_AFTER_MS, Math.round(asked)) };
  }
  const delayMs = backoffDelay(i.backoff, Math.max(0, i.attempts - 1), i.rand, i.prevDelayMs);
  if (i.error.kind === 'timeout' && i.timeoutMs !== undefined) {
    return { retry: true, delayMs, timeoutMs: Math.min(i.maxTimeoutMs, i.timeoutMs * 2) };
  }
  return { retry: true, delayMs };
}

/** Why this failure must not be retried, or undefined when it may be. */
function refusal(i: RetryInput): string | undefined {
  const { kind } = i.error;
  if (NEVER_RETRIED.has(kind)) return `${kind} errors are never retried`;
  if (i.attempts > i.maxRetries) return `retry budget spent: ${i.attempts} attempts, maxRetries ${i.maxRetries}`;
  // Bad input rarely fixes itself: one retry covers a flaky producer, a second would only repeat.
  if (kind === 'validation' && (i.failureCounts.validation ?? 1) > 1) return 'validation failed again after its one retry';
  return undefined;
}
