// What a human does with an escalated task: retry it, resolve it with a result, or (see cancel) kill it.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { advance, deferred, flush, httpError, rejectionCode, startWarden, statuses, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

async function escalatedTask(runAfterFirst: (ctx: RunContext) => unknown = () => 'second time lucky') {
  const w = await startWarden({
    agents: {
      coder: {
        run: async (_task: TaskInfo, ctx: RunContext) => {
          if (ctx.attempt === 1) throw httpError(401);
          return runAfterFirst(ctx);
        },
      },
    },
  });
  const { id } = await w.submit({ agent: 'coder' });
  await flush();
  expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 1 });
  return { w, id };
}

describe('retry()', () => {
  it('gives an ESCALATED task a new attempt', async () => {
    const { w, id } = await escalatedTask();
    const result = w.result(id);
    const view = await w.retry(id);
    expect(['ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']).toContain(view.status);
    await flush();
    await expect(result).resolves.toBe('second time lucky');
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(statuses(w, id)).toEqual([
      'PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'ESCALATED',
      'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED',
    ]);
  });

  it('grants exactly one more attempt: a second failure escalates again', async () => {
    const { w, id } = await escalatedTask(() => {
      throw httpError(503);
    });
    await w.retry(id);
    await advance(60_000);
    expect(w.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 2, error: { kind: 'server' } });
    expect(w.alerts().filter((a) => a.level === 'CRITICAL')).toHaveLength(2);
  });

  it('rejects with invalid_transition for a running or finished task', async () => {
    const held = deferred<string>();
    const w = await startWarden({ agents: { coder: { run: () => held.promise } } });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(await rejectionCode(w.retry(id))).toBe('invalid_transition');
    held.resolve('ok');
    await flush();
    expect(await rejectionCode(w.retry(id))).toBe('invalid_transition');
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });
});

describe('resolve()', () => {
  it('resolves an ESCALATED task: SUCCEEDED with the output, result() gets it', async () => {
    const { w, id } = await escalatedTask();
    const result = w.result(id);
    const view = await w.resolve(id, { fixedBy: 'alice' });
    expect(view).toMatchObject({ status: 'SUCCEEDED', output: { fixedBy: 'alice' }, resolvedBy: 'human', attempts: 1 });
    await expect(result).resolves.toEqual({ fixedBy: 'alice' });
    expect(statuses(w, id).slice(-2)).toEqual(['ESCALATED', 'SUCCEEDED']);
  });

  it('rejects with invalid_transition for a running task, and leaves it running', async () => {
    const held = deferred<string>();
    const w = await startWarden({ agents: { coder: { run: () => held.promise } } });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(await rejectionCode(w.resolve(id, 'forced'))).toBe('invalid_transition');
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    held.resolve('real');
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', output: 'real' });
    expect(await rejectionCode(w.resolve(id, 'again'))).toBe('invalid_transition');
  });

  it('rejects with invalid_transition for a task waiting for its retry', async () => {
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            throw httpError(503);
          },
        },
      },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 1_000, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    expect(await rejectionCode(w.resolve(id, 'x'))).toBe('invalid_transition');
  });
});

describe('before start()', () => {
  it('commands reject with not_running', async () => {
    const { makeWarden } = await import('../support/warden.ts');
    const w = makeWarden({ agents: { coder: { run: () => 1 } } });
    await expect(w.submit({ agent: 'coder' })).rejects.toMatchObject({ code: 'not_running' });
  });
});
