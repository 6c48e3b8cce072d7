// Budgets as the runtime carries them out: usage summed over attempts, an attempt aborted when it
// spends the last of the budget, escalation with kind `budget` and a CRITICAL alert naming the limit,
// no retry that cannot fit, and a human's retry that grants more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import type { Alert } from '../../src/types.ts';
import { advance, flush, httpError, never, rejectionCode, startWarden, statuses, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const quick = { initialMs: 10, factor: 1, maxMs: 10, jitter: 'none' as const };

describe('usage', () => {
  it('sums reportUsage and wall time over attempts into the task JSON and the records', async () => {
    let calls = 0;
    const run = async (_t: TaskInfo, ctx: RunContext) => {
      calls++;
      ctx.reportUsage({ turns: 1, tokens: 100, costUsd: 0.01 });
      await new Promise((r) => setTimeout(r, 200));
      ctx.reportUsage({ turns: 1, tokens: 50, costUsd: 0.005 });
      if (calls === 1) throw httpError(503);
      return 'ok';
    };
    const w = await startWarden({ agents: { coder: { run } }, taskTypes: { default: { maxRetries: 1, backoff: quick } } });
    const { id } = await w.submit({ agent: 'coder', budget: { costUsd: 1 } });
    await advance(200);
    await advance(10);
    await advance(200);
    const t = w.get(id);
    expect(t?.status).toBe('SUCCEEDED');
    expect(t?.usage).toEqual({ turns: 4, tokens: 300, costUsd: 0.03, wallMs: 400 });
    expect(t?.budget).toEqual({ costUsd: 1 });
    const ending = w.history(id).filter((r) => r.from === 'IN_PROGRESS');
    expect(ending.map((r) => [r.to, r.usage])).toEqual([
      ['FAILED', { turns: 2, tokens: 150, costUsd: 0.015, wallMs: 200 }],
      ['SUCCEEDED', { turns: 2, tokens: 150, costUsd: 0.015, wallMs: 200 }],
    ]);
    expect(w.health().usage).toEqual({ turns: 4, tokens: 300, costUsd: 0.03, wallMs: 400 });
  });

  it('a task without a budget has zero usage and no budget field', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 'ok' } } });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', usage: { turns: 0, tokens: 0, costUsd: 0, wallMs: 0 } });
    expect(w.get(id)).not.toHaveProperty('budget');
  });
});

describe('a cancel mid-attempt', () => {
  it('keeps what the cut-short attempt used, in the task and on its CANCELLED record', async () => {
    const run = (_t: TaskInfo, ctx: RunContext) => {
      ctx.reportUsage({ tokens: 300, costUsd: 0.03 });
      return never();
    };
    const w = await startWarden({ agents: { coder: { run } } });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(1_500);
    await w.cancel(id);
    expect(w.get(id)).toMatchObject({ status: 'CANCELLED', usage: { tokens: 300, costUsd: 0.03, wallMs: 1_500 } });
    expect(w.history(id).at(-1)).toMatchObject({ from: 'IN_PROGRESS', to: 'CANCELLED', usage: { tokens: 300, wallMs: 1_500 } });
  });
});

describe('a budget spent mid-attempt', () => {
  it('aborts the attempt, escalates with kind budget (never retried) and raises a CRITICAL alert naming what ran out', async () => {
    const notified: Alert[] = [];
    let signal: AbortSignal | undefined;
    let calls = 0;
    const run = async (_t: TaskInfo, ctx: RunContext) => {
      calls++;
      signal = ctx.signal;
      for (let i = 0; i < 10; i++) {
        ctx.reportUsage({ tokens: 400 });
        await new Promise((r) => setTimeout(r, 10));
      }
      return 'ok';
    };
    const w = await startWarden({
      agents: { coder: { run } },
      taskTypes: { default: { maxRetries: 5, backoff: quick, budget: { tokens: 1000 } } },
      notify: (a: Alert) => void notified.push(a),
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(100);
    const t = w.get(id);
    expect(t?.status).toBe('ESCALATED');
    expect(calls).toBe(1);
    expect(signal?.aborted).toBe(true);
    expect(t?.error).toEqual({ kind: 'budget', message: 'budget spent: tokens used 1200 of 1000' });
    // Overrun by at most one report.
    expect(t?.usage.tokens).toBe(1200);
    expect(statuses(w, id)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'ESCALATED']);
    const critical = notified.filter((a) => a.level === 'CRITICAL');
    expect(critical).toHaveLength(1);
    expect(critical[0]?.message).toContain('budget spent: tokens used 1200 of 1000');
  });

  it('a submit budget overrides its type field by field', async () => {
    const run = async (_t: TaskInfo, ctx: RunContext) => {
      ctx.reportUsage({ costUsd: 0.3 });
      ctx.reportUsage({ costUsd: 0.3 });
      return 'ok';
    };
    const w = await startWarden({ agents: { coder: { run } }, taskTypes: { default: { budget: { costUsd: 10, turns: 5 } } } });
    const { id } = await w.submit({ agent: 'coder', budget: { costUsd: 0.5 } });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', budget: { costUsd: 0.5, turns: 5 }, error: { kind: 'budget' } });
  });

  it('wall time: an attempt that outlives the wallMs budget is aborted at the limit, on the injected clock', async () => {
    let signal: AbortSignal | undefined;
    const w = await startWarden({
      agents: { coder: { run: (_t, ctx) => ((signal = ctx.signal), never()), timeoutMs: 60_000 } },
      taskTypes: { default: { maxRetries: 3, budget: { wallMs: 5_000 } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await advance(4_999);
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    await advance(1);
    expect(signal?.aborted).toBe(true);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 1, error: { kind: 'budget', message: 'budget spent: wallMs used 5000 of 5000' } });
  });
});

describe('no retry that cannot fit', () => {
  it('escalates instead of retrying when what is left is below an average attempt, and says so in the record', async () => {
    const run = async (_t: TaskInfo, ctx: RunContext) => {
      ctx.reportUsage({ costUsd: 0.4 });
      throw httpError(503);
    };
    const w = await startWarden({ agents: { coder: { run } }, taskTypes: { default: { maxRetries: 5, backoff: quick } } });
    const { id } = await w.submit({ agent: 'coder', budget: { costUsd: 1 } });
    await advance(10);
    // Attempt 1 left 0.6 (>= 0.4): retried. Attempt 2 left 0.2 (< 0.4): escalated without a third.
    const t = w.get(id);
    expect(t).toMatchObject({ status: 'ESCALATED', attempts: 2, usage: { costUsd: 0.8 } });
    const escalated = w.history(id).at(-1);
    expect(escalated?.to).toBe('ESCALATED');
    expect(escalated?.error?.kind).toBe('budget');
    expect(escalated?.error?.message).toBe(
      'not retried: 0.2 costUsd left of the budget, below the 0.4 an average attempt of this task used (attempt 2 failed with server: HTTP 503)',
    );
    expect(escalated?.error?.status).toBe(503);
    expect(t?.lastError).toMatchObject({ kind: 'server' });
  });
});

describe("a human's retry", () => {
  it('is refused while the budget is spent, and grants more with { budget }', async () => {
    let calls = 0;
    const run = async (_t: TaskInfo, ctx: RunContext) => {
      calls++;
      ctx.reportUsage({ costUsd: 0.6 });
      return 'ok';
    };
    const w = await startWarden({ agents: { coder: { run } } });
    const { id } = await w.submit({ agent: 'coder', budget: { costUsd: 0.5 } });
    await flush();
    expect(w.get(id)?.status).toBe('ESCALATED');
    await expect(w.retry(id)).rejects.toThrow(/budget spent: costUsd used 0.6 of 0.5; grant more/);
    expect(await rejectionCode(w.retry(id, { budget: { costUsd: -1 } }))).toBe('invalid_input');
    expect(await rejectionCode(w.retry(id, { budget: { dollars: 1 } as never }))).toBe('invalid_input');
    expect(w.get(id)?.status).toBe('ESCALATED');
    // The grant is on top of what is used: 0.6 + 1 = 1.6.
    const retried = await w.retry(id, { budget: { costUsd: 1 } });
    expect(retried.budget).toEqual({ costUsd: 1.6 });
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', usage: { costUsd: 1.2 } });
    expect(calls).toBe(2);
    const retry = w.history(id).find((r) => r.event === 'RETRY');
    expect(retry).toMatchObject({ by: 'library', from: 'ESCALATED', to: 'ASSIGNED' });
  });

  it('submit refuses a bad budget naming the field, and creates nothing', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 'ok' } } });
    await expect(w.submit({ agent: 'coder', budget: { tokens: 0 } })).rejects.toThrow(/budget\.tokens/);
    await expect(w.submit({ agent: 'coder', budget: { wall: 5 } as never })).rejects.toThrow(/budget/);
    expect(w.list().items).toHaveLength(0);
  });
});

describe('property: usage never exceeds a budget by more than one report', () => {
  it('holds for any reports and limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 3 }),
        async (reports, limit, maxRetries) => {
          const run = async (_t: TaskInfo, ctx: RunContext) => {
            for (const tokens of reports) {
              if (ctx.signal.aborted) break;
              ctx.reportUsage({ tokens });
              await new Promise((r) => setTimeout(r, 1));
            }
            throw httpError(503);
          };
          const w = await startWarden({ agents: { coder: { run } }, taskTypes: { default: { maxRetries, backoff: quick } } });
          const { id } = await w.submit({ agent: 'coder', budget: { tokens: limit } });
          await advance(2_000);
          const t = w.get(id);
          const biggest = Math.max(...reports);
          expect(t?.usage.tokens).toBeLessThanOrEqual(limit + biggest);
          expect(t?.status).toBe('ESCALATED');
          await w.stop();
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('an external executor', () => {
  it('its attempt fails with kind budget when the wall-time budget runs out, and a late report is refused', async () => {
    const w = await startWarden({ agents: { ci: {} }, taskTypes: { default: { maxRetries: 2, budget: { wallMs: 3_000 } } } });
    const { id } = await w.submit({ agent: 'ci' });
    await flush();
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    await advance(3_000);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 1, usage: { wallMs: 3_000 }, error: { kind: 'budget' } });
    expect(await rejectionCode(w.reportSuccess(id, 'late'))).toBe('invalid_transition');
  });
});
