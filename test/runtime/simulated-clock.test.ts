// The injected clock: a warden on a SimulatedClock runs hours of backoff without waiting for them,
// and the SimulatedClock itself fires timers in time order, once, at their own time.
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarden, SimulatedClock, type Warden, type WardenConfig } from '../../src/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const live: Warden[] = [];
afterEach(async () => {
  for (const w of live.splice(0)) await w.stop();
});

function simulated(config: Omit<WardenConfig, 'persist' | 'logger'>, clock: SimulatedClock): Warden {
  const w = createWarden({ ...config, persist: false, logger: pino({ level: 'silent' }) }, { clock, random: () => 0.5 });
  live.push(w);
  return w;
}

const serverError = () => Object.assign(new Error('HTTP 503'), { status: 503 });

describe('a warden on a SimulatedClock', () => {
  it('retries after a 1 h backoff: the retry waits for simulated time, not real time', async () => {
    const clock = new SimulatedClock({ start: Date.UTC(2030, 0, 1) });
    let calls = 0;
    const w = simulated(
      {
        agents: { coder: { run: async () => (++calls === 1 ? Promise.reject(serverError()) : 'done') } },
        taskTypes: { default: { maxRetries: 1, backoff: { initialMs: HOUR, factor: 2, maxMs: 2 * HOUR, jitter: 'none' } } },
      },
      clock,
    );
    await w.start();
    const t0 = clock.now();
    const { id } = await w.submit({ type: 'default', agent: 'coder', input: {} });
    await clock.advance(0);
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    await clock.advance(HOUR - 1);
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    expect(calls).toBe(1);

    const real = Date.now();
    await clock.advance(1);
    expect(w.get(id)?.status).toBe('SUCCEEDED');
    expect(await w.result(id)).toBe('done');
    expect(calls).toBe(2);
    // The records carry simulated time: the retry began exactly one hour after the failure.
    const history = w.history(id);
    const failedAt = history.find((r) => r.to === 'RETRY_WAIT')!.at;
    const retriedAt = history.filter((r) => r.to === 'ASSIGNED').at(-1)!.at;
    expect(failedAt).toBe(t0);
    expect(retriedAt - failedAt).toBe(HOUR);
    expect(Date.now() - real).toBeLessThan(HOUR);
  });

  it('runs a day of traffic: every task of 24 h ends, each retry at its backoff, all on simulated time', async () => {
    const clock = new SimulatedClock({ start: Date.UTC(2030, 0, 1) });
    const failedOnce = new Set<string>();
    const w = simulated(
      {
        agents: {
          coder: {
            concurrency: 4,
            // Every third task fails once with a 503, then succeeds.
            run: async (task) => {
              const n = (task.input as { n: number }).n;
              if (n % 3 === 0 && !failedOnce.has(task.id)) {
                failedOnce.add(task.id);
                throw serverError();
              }
              return n;
            },
            breaker: { failureThreshold: 1_000, windowMs: 60_000, openMs: 1_000, halfOpenProbes: 1 },
          },
        },
        taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 10 * 60_000, factor: 2, maxMs: HOUR, jitter: 'none' } } },
      },
      clock,
    );
    await w.start();
    const ids: string[] = [];
    // One task every 5 simulated minutes for a day: 288 tasks.
    for (let minute = 0; minute < 24 * 60; minute += 5) {
      ids.push((await w.submit({ type: 'default', agent: 'coder', input: { n: minute / 5 } })).id);
      await clock.advance(5 * 60_000);
    }
    await clock.advance(HOUR);
    expect(ids).toHaveLength(288);
    expect(ids.map((id) => w.get(id)?.status)).toEqual(ids.map(() => 'SUCCEEDED'));
    expect(failedOnce.size).toBe(96);
    for (const id of ids.filter((id) => failedOnce.has(id))) {
      const h = w.history(id);
      const waited = h.filter((r) => r.to === 'ASSIGNED').at(-1)!.at - h.find((r) => r.to === 'RETRY_WAIT')!.at;
      expect(waited).toBe(10 * 60_000);
    }
    expect(clock.now() - Date.UTC(2030, 0, 1)).toBe(DAY + HOUR);
  });
});

describe('SimulatedClock', () => {
  it('fires each timer once, in (time, arming) order, at its own time; cleared timers never fire', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 10_000 }), clear: fc.boolean() }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 12_000 }),
        async (timers, step) => {
          const clock = new SimulatedClock({ start: 1_000, settleTurns: 0 });
          const fired: { i: number; at: number }[] = [];
          const handles = timers.map((t, i) => clock.setTimeout(() => fired.push({ i, at: clock.now() }), t.ms));
          timers.forEach((t, i) => t.clear && clock.clearTimeout(handles[i]));
          await clock.advance(step);
          const expected = timers
            .map((t, i) => ({ i, at: 1_000 + t.ms, clear: t.clear }))
            .filter((t) => !t.clear && t.at <= 1_000 + step)
            .sort((a, b) => a.at - b.at || a.i - b.i)
            .map(({ i, at }) => ({ i, at }));
          expect(fired).toEqual(expected);
          expect(clock.now()).toBe(1_000 + step);
          expect(clock.pending).toBe(timers.filter((t) => !t.clear).length - expected.length);
        },
      ),
    );
  });

  it('a timer armed by a timer fires in the same advance when it falls due', async () => {
    const clock = new SimulatedClock();
    const at: number[] = [];
    clock.setTimeout(() => {
      at.push(clock.now());
      clock.setTimeout(() => at.push(clock.now()), 50);
    }, 100);
    await clock.advance(200);
    expect(at).toEqual([100, 150]);
  });

  it('refuses a negative or non-finite advance', async () => {
    const clock = new SimulatedClock();
    await expect(clock.advance(-1)).rejects.toThrow(/advance\(ms\) needs a finite ms >= 0, got -1/);
    await expect(clock.advance(Number.NaN)).rejects.toThrow(/got NaN/);
    expect(clock.now()).toBe(0);
  });
});
