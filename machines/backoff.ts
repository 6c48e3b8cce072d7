// Exponential backoff with jitter. Pure: the caller supplies `rand` in [0, 1) and the previous delay.
// It lives beside the machines because the supervisor machine computes its restart delays with it;
// src/policy/backoff.ts re-exports it for the retry policy.
import type { BackoffOptions } from '../src/types.ts';

/** Delay before retry number `n` (0 for the first retry): an integer in [0, maxMs]. */
export function backoffDelay(opts: BackoffOptions, n: number, rand: number, prevMs?: number): number {
  const r = Number.isFinite(rand) ? Math.min(1, Math.max(0, rand)) : 0;
  return clamp(jittered(opts, Math.max(0, n), r, prevMs), opts.maxMs);
}

function jittered(opts: BackoffOptions, n: number, r: number, prevMs: number | undefined): number {
  switch (opts.jitter) {
    case 'none':
      return exponential(opts, n);
    case 'full':
      return r * exponential(opts, n);
    case 'equal':
      return exponential(opts, n) / 2 + (r * exponential(opts, n)) / 2;
    case 'decorrelated':
      return decorrelated(opts, r, prevMs);
  }
}

function exponential({ initialMs, factor, maxMs }: BackoffOptions, n: number): number {
  // factor ** n overflows to Infinity, which min caps; 0 * Infinity is NaN, which clamp turns into 0.
  return Math.min(maxMs, initialMs * factor ** n);
}

/** AWS "decorrelated jitter": the next delay is drawn from [initial, 3 × previous]. */
function decorrelated({ initialMs, maxMs }: BackoffOptions, r: number, prevMs: number | undefined): number {
  // Our own delays never exceed maxMs; the cap guards against foreign values (Infinity × rand 0 is NaN).
  const prev = prevMs !== undefined && prevMs > initialMs ? Math.min(prevMs, maxMs) : initialMs;
  return Math.min(maxMs, initialMs + r * (Math.max(prev, initialMs) * 3 - initialMs));
}

function clamp(ms: number, maxMs: number): number {
  const ceiling = Math.max(0, Math.floor(maxMs));
  return Number.isNaN(ms) ? 0 : Math.min(ceiling, Math.max(0, Math.round(ms)));
}
