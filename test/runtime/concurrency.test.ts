// The per-agent concurrency limit, counted inside run() itself.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { advance, flush, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('concurrency', () => {
  it('an agent with concurrency 2 never has more than 2 run() calls in flight across 10 tasks', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const samples: number[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          concurrency: 2,
          run: async (task: TaskInfo, _ctx: RunContext) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              // Uneven durations, so completions interleave with admissions.
              await new Promise((resolve) => setTimeout(resolve, 10 + ((task.input as number) % 3) * 7));
              return task.input;
            } finally {
              inFlight--;
            }
          },
        },
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await w.submit({ agent: 'coder', input: i })).id);
    expect(w.agent('coder')).toMatchObject({ inFlight: 2, queued: 8, concurrency: 2 });
    for (let t = 0; t < 40 && inFlight + w.agent('coder').queued > 0; t++) {
      await advance(5);
      samples.push(inFlight);
      expect(w.agent('coder').inFlight).toBeLessThanOrEqual(2);
    }
    expect(maxInFlight).toBe(2);
    expect(samples.every((n) => n <= 2)).toBe(true);
    expect(ids.map((id) => w.get(id)?.status)).toEqual(Array(10).fill('SUCCEEDED'));
    expect(ids.map((id) => w.get(id)?.output)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(w.agent('coder')).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('a synchronous agent with concurrency 1 gets through 10 queued tasks without a timer', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const w = await startWarden({
      agents: {
        coder: {
          concurrency: 1,
          run: (task: TaskInfo) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            inFlight--;
            return (task.input as number) * 2;
          },
        },
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await w.submit({ agent: 'coder', input: i })).id);
    await flush();
    expect(ids.map((id) => w.get(id)?.output)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(maxInFlight).toBe(1);
    expect(w.agent('coder')).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('limits are per agent: a busy agent does not hold back another', async () => {
    const held: Array<() => void> = [];
    const w = await startWarden({
      agents: {
        slow: { concurrency: 1, run: () => new Promise<string>((resolve) => held.push(() => resolve('slow'))) },
        fast: { concurrency: 1, run: () => 'fast' },
      },
    });
    const s1 = await w.submit({ agent: 'slow' });
    const s2 = await w.submit({ agent: 'slow' });
    const f = await w.submit({ agent: 'fast' });
    await flush();
    expect(w.get(s1.id)?.status).toBe('IN_PROGRESS');
    expect(w.get(s2.id)?.status).toBe('ASSIGNED');
    expect(w.get(f.id)?.status).toBe('SUCCEEDED');
    held[0]?.();
    await flush();
    expect(w.get(s2.id)?.status).toBe('IN_PROGRESS');
  });
});
