// An external executor's failure report, turned into the plain error the runtime classifies.
import { parseRetryAfter } from '../api.ts';
import type { ErrorKind } from '../types.ts';

export interface ReportedFailure {
  message: string;
  kind?: ErrorKind;
  status?: number;
  /** seconds or an HTTP-date, as in a Retry-After header */
  retryAfter?: number | string;
}

/**
 * With `kind`, the result is a complete TaskError (`retryAfterMs` already parsed); without it, the
 * runtime's classifier reads `status` and `retryAfter` as it does for any HTTP client error.
 */
export function toReportedError(f: ReportedFailure, now: number): Record<string, unknown> {
  const err: Record<string, unknown> = { message: f.message };
  if (f.status !== undefined) err.status = f.status;
  if (f.retryAfter !== undefined) {
    err.retryAfter = f.retryAfter;
    const ms = parseRetryAfter(f.retryAfter, now);
    if (ms !== undefined) err.retryAfterMs = ms;
  }
  if (f.kind !== undefined) err.kind = f.kind;
  return err;
}
