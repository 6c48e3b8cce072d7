// The bounded failure window against the plain definition: every failure strictly within windowMs counts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tripsAt, withFailure } from '../../machines/agent.ts';
import type { BreakerOptions } from '../../src/types.ts';

describe('failure window (bounded, exact to the millisecond)', () => {
  it('trips exactly when the failures strictly inside the window reach the threshold, and stays bounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 80 }),
        (failureThreshold, windowMs, gaps) => {
          const breaker: BreakerOptions = { failureThreshold, windowMs, openMs: 1, halfOpenProbes: 1, successThreshold: 1 };
          let now = 0;
          let all: number[] = []; // every failure since the circuit last closed
          let kept: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const expected = all.filter((t) => t > now - windowMs).length + 1 >= failureThreshold;
            expect(tripsAt(kept, now, breaker)).toBe(expected);
            if (expected) {
              all = []; // OPEN, then CLOSED again clears the list
              kept = [];
              continue;
            }
            all.push(now);
            kept = withFailure(kept, now, breaker);
            expect(kept.length).toBeLessThanOrEqual(failureThreshold - 1);
            expect(kept).toEqual(all.filter((t) => t > now - windowMs).slice(-(failureThreshold - 1)));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('edges: a failure exactly windowMs old is out, one ms younger is in', () => {
    const breaker: BreakerOptions = { failureThreshold: 2, windowMs: 100, openMs: 1, halfOpenProbes: 1, successThreshold: 1 };
    expect(tripsAt([0], 99, breaker)).toBe(true);
    expect(tripsAt([0], 100, breaker)).toBe(false);
    expect(tripsAt([0], 101, breaker)).toBe(false);
    expect(withFailure([0], 100, breaker)).toEqual([100]);
  });
});
