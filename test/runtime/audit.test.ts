// Who and why: a human action's record carries `by` and `reason` (history, the record stream, alerts,
// a restart); `error` is the current error only, `lastError` the last failure.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo, TransitionRecord } from '../../src/index.ts';
import { flush, httpError, rejectionCode, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

async function escalatedTask() {
  const w = await startWarden({
    agents: {
      coder: {
        run: async (_task: TaskInfo, ctx: RunContext) => {
          if (ctx.attempt === 1) throw httpError(401);
          return 'fixed';
        },
      },
    },
  });
  const { id } = await w.submit({ agent: 'coder' });
  await flush();
  expect(w.get(id)).toMatchObject({ status: 'ESCALATED', error: { kind: 'auth', status: 401 } });
  return { w, id };
}

describe('by and reason', () => {
  it('a library call is by `library`, with the reason given, in history and in the record stream', async () => {
    const { w, id } = await escalatedTask();
    const seen: TransitionRecord[] = [];
    w.on('transition', (r) => seen.push(r));
    await w.retry(id, { reason: 'key rotated' });
    await flush();
    const assigned = w.history(id).filter((r) => r.to === 'ASSIGNED').at(-1);
    expect(assigned).toMatchObject({ event: 'RETRY', by: 'library', reason: 'key rotated' });
    expect(seen.find((r) => r.event === 'RETRY')).toMatchObject({ by: 'library', reason: 'key rotated' });
    // Records no human caused say nothing of who.
    for (const r of w.history(id).filter((r) => r.event !== 'RETRY')) {
      expect(r.by).toBeUndefined();
      expect(r.reason).toBeUndefined();
    }
  });

  it('cancel and resolve carry by and reason; without a reason only by', async () => {
    const { w, id } = await escalatedTask();
    await w.resolve(id, { fixedBy: 'hand' }, { reason: 'done manually', by: 'alice' });
    expect(w.history(id).at(-1)).toMatchObject({ to: 'SUCCEEDED', event: 'RESOLVE', by: 'alice', reason: 'done manually' });
    const other = await w.submit({ agent: 'coder' });
    await flush();
    await w.cancel(other.id);
    const last = w.history(other.id).at(-1);
    expect(last).toMatchObject({ to: 'CANCELLED', by: 'library' });
    expect(last).not.toHaveProperty('reason');
  });

  it('agent actions and a breaker reset record who and why', async () => {
    const w = await startWarden({ agents: { coder: { run: async () => 'ok' } } });
    const seen: TransitionRecord[] = [];
    w.on('transition', (r) => seen.push(r));
    w.stopAgent('coder', { reason: 'rotate keys', by: 'ada' });
    await flush();
    expect(seen.find((r) => r.kind === 'agent' && r.to === 'STOPPED')).toMatchObject({ event: 'STOP', by: 'ada', reason: 'rotate keys' });
  });

  it('a bad reason is refused with invalid_input and changes nothing', async () => {
    const { w, id } = await escalatedTask();
    const before = w.history(id).length;
    expect(await rejectionCode(w.retry(id, { reason: 'x'.repeat(1001) }))).toBe('invalid_input');
    expect(await rejectionCode(w.cancel(id, { reason: 42 as unknown as string }))).toBe('invalid_input');
    expect(w.get(id)?.status).toBe('ESCALATED');
    expect(w.history(id)).toHaveLength(before);
  });
});

describe('error and lastError', () => {
  it('a human retry clears error and keeps lastError; success keeps lastError', async () => {
    const { w, id } = await escalatedTask();
    await w.retry(id);
    await flush();
    const view = w.get(id);
    expect(view?.status).toBe('SUCCEEDED');
    expect(view?.error).toBeUndefined();
    expect(view?.lastError).toMatchObject({ kind: 'auth', status: 401 });
  });

  it('resolve clears error, keeps lastError', async () => {
    const { w, id } = await escalatedTask();
    const view = await w.resolve(id, 'by hand');
    expect(view.error).toBeUndefined();
    expect(view.lastError).toMatchObject({ kind: 'auth' });
  });

  it('a task that never failed has neither', async () => {
    const w = await startWarden({ agents: { coder: { run: async () => 'ok' } } });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)).not.toHaveProperty('error');
    expect(w.get(id)).not.toHaveProperty('lastError');
  });
});
