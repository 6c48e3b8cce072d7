import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/policy/backoff.ts';
import type { BackoffOptions } from '../../src/types.ts';

const opts = (jitter: BackoffOptions['jitter'], over: Partial<BackoffOptions> = {}): BackoffOptions => ({
  initialMs: 100, factor: 2, maxMs: 10_000, jitter, ...over,
});

describe('backoffDelay', () => {
  it("'none' grows by factor from initialMs, n = 0 being the first retry", () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(opts('none'), n, 0.5))).toEqual([100, 200, 400, 800, 1600]);
  });

  it("'none' honours a non-2 factor", () => {
    expect(backoffDelay(opts('none', { factor: 3 }), 2, 0)).toBe(900);
  });

  it("'none' caps at maxMs", () => {
    expect(backoffDelay(opts('none'), 7, 0)).toBe(10_000); // 12,800 uncapped
  });

  it("'full' is rand × base", () => {
    expect(backoffDelay(opts('full'), 2, 0)).toBe(0);
    expect(backoffDelay(opts('full'), 2, 0.25)).toBe(100);
    expect(backoffDelay(opts('full'), 2, 0.5)).toBe(200);
    expect(backoffDelay(opts('full'), 10, 0.5)).toBe(5000); // half of the capped base
  });

  it("'equal' is base/2 + rand × base/2", () => {
    expect(backoffDelay(opts('equal'), 2, 0)).toBe(200);
    expect(backoffDelay(opts('equal'), 2, 0.5)).toBe(300);
    expect(backoffDelay(opts('equal'), 2, 0.999)).toBe(400);
    expect(backoffDelay(opts('equal'), 10, 0)).toBe(5000);
  });

  it("'decorrelated' draws from [initial, 3 × previous]", () => {
    expect(backoffDelay(opts('decorrelated'), 0, 0)).toBe(100);
    expect(backoffDelay(opts('decorrelated'), 0, 0.5)).toBe(200); // 100 + 0.5 × (300 - 100)
    expect(backoffDelay(opts('decorrelated'), 5, 0.5, 1000)).toBe(1550); // 100 + 0.5 × (3000 - 100)
    expect(backoffDelay(opts('decorrelated'), 5, 0, 1000)).toBe(100);
  });

  it("'decorrelated' ignores n and uses initialMs when prev is smaller or missing", () => {
    expect(backoffDelay(opts('decorrelated'), 9, 0.5, 10)).toBe(200);
    expect(backoffDelay(opts('decorrelated'), 9, 0.5)).toBe(200);
  });

  it("'decorrelated' caps at maxMs", () => {
    expect(backoffDelay(opts('decorrelated'), 0, 0.99, 9000)).toBe(10_000);
    expect(backoffDelay(opts('decorrelated'), 0, 0.5, Infinity)).toBe(10_000);
    expect(backoffDelay(opts('decorrelated'), 0, 0, Infinity)).toBe(100);
  });

  it('returns integers', () => {
    expect(backoffDelay(opts('full', { initialMs: 3 }), 0, 0.5)).toBe(2); // 1.5 rounds
    expect(backoffDelay(opts('none', { initialMs: 1, factor: 1.5 }), 1, 0)).toBe(2);
  });

  it('clamps when factor ** n overflows to Infinity', () => {
    for (const jitter of ['none', 'full', 'equal'] as const) {
      expect(backoffDelay(opts(jitter), 10_000, 0.999_999)).toBeLessThanOrEqual(10_000);
    }
    expect(backoffDelay(opts('none'), 10_000, 0.5)).toBe(10_000);
    expect(backoffDelay(opts('full'), Number.MAX_SAFE_INTEGER, 0.5)).toBe(5000);
  });

  it('initialMs 0 stays 0 even when factor ** n is Infinity', () => {
    expect(backoffDelay(opts('none', { initialMs: 0 }), 10_000, 0.5)).toBe(0);
  });

  it('an initialMs above maxMs is still capped', () => {
    expect(backoffDelay(opts('none', { initialMs: 50_000 }), 0, 0)).toBe(10_000);
    expect(backoffDelay(opts('decorrelated', { initialMs: 50_000 }), 0, 0)).toBe(10_000);
  });

  it('a rand outside [0, 1) or NaN cannot escape the range', () => {
    expect(backoffDelay(opts('full'), 2, 5)).toBe(400);
    expect(backoffDelay(opts('full'), 2, -1)).toBe(0);
    expect(backoffDelay(opts('full'), 2, NaN)).toBe(0);
  });

  it('property: an integer in [0, maxMs] for any n ≥ 0 and rand in [0, 1)', () => {
    const options = fc.record({
      initialMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
      factor: fc.double({ min: 1, max: 100, noNaN: true }),
      maxMs: fc.double({ min: 0, max: 1e9, noNaN: true }),
      jitter: fc.constantFrom('none', 'full', 'equal', 'decorrelated'),
    });
    fc.assert(
      fc.property(
        options,
        fc.oneof(fc.nat(), fc.nat({ max: 100 })),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 1e12, noNaN: true }), { nil: undefined }),
        (o, n, rand, prev) => {
          const delay = backoffDelay(o, n, rand, prev);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(o.maxMs);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: without jitter the delay never shrinks as n grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 1, max: 10, noNaN: true }), fc.nat({ max: 200 }), (initialMs, factor, n) => {
        const o = opts('none', { initialMs, factor, maxMs: 1_000_000 });
        expect(backoffDelay(o, n + 1, 0)).toBeGreaterThanOrEqual(backoffDelay(o, n, 0));
      }),
    );
  });
});
