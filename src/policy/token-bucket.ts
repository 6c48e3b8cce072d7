// A token bucket as a pure value: `rate` tokens a minute, holding at most a minute's worth (at least 1). A provider's
// requestsPerMinute and tokensPerMinute are each one of these, shared by its agents.

export interface Bucket {
  /** tokens in the bucket at `at`; may be negative (tokens reported after an attempt was admitted) */
  level: number;
  at: number;
}

const MINUTE_MS = 60_000;

/** A full bucket at `now`. */
export function fullBucket(rate: number, now: number): Bucket {
  return { level: capacity(rate), at: now };
}

function capacity(rate: number): number {
  return Math.max(1, rate);
}

/** The bucket at `now`: refilled at rate/minute since its last reading, capped at a minute's worth. */
export function refill(b: Bucket, rate: number, now: number): Bucket {
  if (now <= b.at) return b;
  return { level: Math.min(capacity(rate), b.level + ((now - b.at) * rate) / MINUTE_MS), at: now };
}

/** The bucket after `n` tokens are taken at `now` (it may go below zero: a debt paid back by the refill). */
export function take(b: Bucket, n: number, rate: number, now: number): Bucket {
  const r = refill(b, rate, now);
  return { level: r.level - n, at: r.at };
}

/** Milliseconds from `now` until the bucket holds at least `need` tokens (0 when it already does). */
export function msUntil(b: Bucket, need: number, rate: number, now: number): number {
  const r = refill(b, rate, now);
  if (r.level >= need) return 0;
  return Math.ceil(((need - r.level) * MINUTE_MS) / rate);
}
