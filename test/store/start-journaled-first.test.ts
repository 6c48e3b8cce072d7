// An attempt's code may have side effects, so it runs only once the journal holds that attempt's
// START: a kill -9 at any point then leaves either no trace of the attempt (it never ran) or a
// START that a restart fails as `crash` (the next attempt gets a new number). Never the same number twice.
// Each run() below reads the live journal file and notes whether its own START line is there.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { DURABILITY_MODES } from '../../src/types.ts';
import { readJournalFile } from '../../src/store/journal.ts';
import { advance, realSleep, tmpDir, useStoreClock, useStoreHarness, wardenOn } from './helpers.ts';

useStoreHarness();
useStoreClock();

function startJournaled(dir: string, id: string, attempt: number): boolean {
  return readJournalFile(path.join(dir, 'journal.jsonl')).lines.some((l) => 'r' in l && l.r.id === id && l.r.to === 'IN_PROGRESS' && l.r.attempt === attempt);
}

describe.each(DURABILITY_MODES.filter((d) => d !== 'memory'))("durability '%s'", (durability) => {
  it('each attempt, the first and every retry (timer, operator), starts its code only after its START is in the journal', async () => {
    const dir = tmpDir();
    const seen: Array<{ attempt: number; journaled: boolean }> = [];
    const w = wardenOn(dir, {
      durability,
      // Two quick retries, then a non-retryable error escalates and an operator retries it.
      taskTypes: { default: { maxRetries: 5, backoff: { initialMs: 100, factor: 1, maxMs: 100, jitter: 'none' } } },
      agents: {
        a: {
          run: async (t: TaskInfo, ctx: RunContext) => {
            seen.push({ attempt: ctx.attempt, journaled: startJournaled(dir, t.id, ctx.attempt) });
            if (ctx.attempt <= 2) throw Object.assign(new Error('busy'), { status: 503 });
            if (ctx.attempt === 3) throw Object.assign(new Error('bad key'), { status: 401 });
            return 'ok';
          },
        },
      },
    });
    await w.start();
    const { id } = await w.submit({ agent: 'a' });
    // fdatasync answers in real time: the fake clock moves on in small steps until the task gets there.
    const reach = async (status: string) => {
      for (let i = 0; i < 200 && w.get(id)?.status !== status; i++) {
        await advance(20);
        await realSleep(2);
      }
      expect(w.get(id)?.status).toBe(status);
    };
    await reach('ESCALATED');
    await w.retry(id);
    await reach('SUCCEEDED');
    expect(seen).toEqual([1, 2, 3, 4].map((attempt) => ({ attempt, journaled: true })));
    await w.stop();
  });
});
