// An attempt whose START cannot be journaled because the database is gone does not spend itself:
// the store keeps the line, the attempt waits for it to be written, and its code runs once the
// database is back (attempts count when an attempt starts; this one had not started anything yet),
// and its timeout counts from then.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createWarden } from '../../src/index.ts';
import { hasPg, uniqueSchema } from '../support/postgres.ts';
import { pgProxy, until, useClusterHarness } from './helpers.ts';

const unavailable = () => Object.assign(new Error('HTTP 503'), { status: 503 });

describe.skipIf(!hasPg())('the database lost as an attempt starts', () => {
  useClusterHarness();

  it('a retry that starts while the database is cut waits for its START to be written, then runs once', { timeout: 30_000 }, async () => {
    let proxy = await pgProxy();
    const port = proxy.port;
    const runs: number[] = [];
    let cut: Promise<void> | undefined;
    const w = createWarden({
      logger: pino({ level: 'silent' }),
      store: { postgres: { connectionString: `postgres://127.0.0.1:${port}/test`, schema: uniqueSchema() } },
      node: 'outage',
      agents: {
        one: {
          // Shorter than the cut: the wait for the store must not count as the attempt's time.
          timeoutMs: 1_000,
          run: async (_task, ctx) => {
            runs.push(ctx.attempt);
            if (ctx.attempt > 1) return 'done';
            // The database goes away as the first attempt fails: the retry starts 300 ms later, during the cut.
            cut = proxy.cut();
            await cut;
            throw unavailable();
          },
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 300, factor: 1, maxMs: 300, jitter: 'none' } } },
    });
    await w.start();
    try {
      const { id } = await w.submit({ agent: 'one', input: 1 });
      await until(() => w.get(id)?.status === 'IN_PROGRESS' && w.get(id)?.attempts === 2, 5_000, 'the retry to start');
      await new Promise((r) => setTimeout(r, 1_500));
      // Its START is not written yet: its code has not run, and the task has not failed for it.
      expect(runs).toEqual([1]);
      expect(w.get(id)?.status).toBe('IN_PROGRESS');
      proxy = await pgProxy(port);
      await until(() => w.get(id)?.status === 'SUCCEEDED', 15_000, 'the task to succeed');
      expect(runs).toEqual([1, 2]);
      expect(w.get(id)?.attempts).toBe(2);
    } finally {
      await w.stop();
      await cut;
      await proxy.cut();
    }
  });
});
