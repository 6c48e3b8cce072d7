// Checkpoints: what one attempt saves, the next attempt resumes from.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { advance, deferred, flush, httpError, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('checkpoints', () => {
  it('a checkpoint saved in attempt 1 is seen by attempt 2 as ctx.checkpoint', async () => {
    const seen: Array<{ attempt: number; checkpoint: unknown }> = [];
    const w = await startWarden({
      agents: {
        coder: {
          run: async (_task: TaskInfo, ctx: RunContext) => {
            seen.push({ attempt: ctx.attempt, checkpoint: ctx.checkpoint });
            if (ctx.attempt === 1) {
              ctx.saveCheckpoint({ step: 1 });
              await Promise.resolve();
              ctx.saveCheckpoint({ step: 2, files: ['a.ts'] });
              throw httpError(503);
            }
            return { resumedFrom: ctx.checkpoint };
          },
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 100, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(100);
    expect(seen).toEqual([
      { attempt: 1, checkpoint: undefined },
      { attempt: 2, checkpoint: { step: 2, files: ['a.ts'] } },
    ]);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', output: { resumedFrom: { step: 2, files: ['a.ts'] } } });
  });

  it('get() shows the latest checkpoint while the attempt still runs', async () => {
    const held = deferred<string>();
    const w = await startWarden({
      agents: {
        coder: {
          run: (_task: TaskInfo, ctx: RunContext) => {
            ctx.saveCheckpoint({ step: 7 });
            return held.promise;
          },
        },
      },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', checkpoint: { step: 7 } });
    held.resolve('done');
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', checkpoint: { step: 7 } });
  });

  it('a timed-out attempt that saves a checkpoint late does not overwrite what the next attempt sees', async () => {
    const late: RunContext[] = [];
    const seen: unknown[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          timeoutMs: 1_000,
          run: (_task: TaskInfo, ctx: RunContext) => {
            seen.push(ctx.checkpoint);
            if (ctx.attempt === 1) {
              ctx.saveCheckpoint('good');
              late.push(ctx);
              return new Promise<never>(() => {});
            }
            return 'ok';
          },
        },
      },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 500, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(1_000); // attempt 1 timed out; retry in 500 ms
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    late[0]?.saveCheckpoint('stale');
    await advance(500);
    expect(seen).toEqual([undefined, 'good']);
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', checkpoint: 'good' });
  });
});
