// Kill authority: cancel aborts the running attempt, settles result() and frees the agent's slot.
import { describe, expect, it, vi } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { advance, deferred, flush, httpError, never, rejectionCode, startWarden, statuses, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('cancel', () => {
  it('aborts the in-flight ctx.signal, rejects result() with code cancelled, and frees the slot', async () => {
    const signals: AbortSignal[] = [];
    const w = await startWarden({
      agents: {
        coder: {
          concurrency: 1,
          run: (task: TaskInfo, ctx: RunContext) => {
            signals.push(ctx.signal);
            return task.input === 'hang' ? never() : 'quick';
          },
        },
      },
    });
    const { id } = await w.submit({ agent: 'coder', input: 'hang' });
    const other = await w.submit({ agent: 'coder', input: 'next' });
    await flush();
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    expect(w.get(other.id)?.status).toBe('ASSIGNED'); // concurrency 1: waits for the slot
    const result = w.result(id);
    const code = rejectionCode(result);

    const view = await w.cancel(id);
    expect(view.status).toBe('CANCELLED');
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as DOMException | undefined)?.name).toBe('AbortError');
    expect(await code).toBe('cancelled');
    await expect(w.result(id)).rejects.toMatchObject({ code: 'cancelled' });
    expect(statuses(w, id)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'CANCELLED']);

    await flush();
    expect(w.get(other.id)).toMatchObject({ status: 'SUCCEEDED', output: 'quick' });
    expect(w.agent('coder').inFlight).toBe(0);
    expect(w.health().tasks.inFlight).toBe(0);
  });

  it('a cancelled attempt that settles late changes nothing, and its failure does not count for the breaker', async () => {
    const held = deferred<string>();
    const w = await startWarden({
      agents: { coder: { run: () => held.promise, breaker: { failureThreshold: 1 } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    await w.cancel(id);
    held.reject(httpError(503));
    await flush();
    expect(w.get(id)?.status).toBe('CANCELLED');
    expect(w.breakers()[0]).toMatchObject({ state: 'CLOSED', failures: 0 });
  });

  it('cancels a task waiting for its retry: the timer never starts another attempt', async () => {
    const run = vi.fn(async () => {
      throw httpError(503);
    });
    const w = await startWarden({
      agents: { coder: { run } },
      taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 1_000, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    await w.cancel(id);
    await advance(10_000);
    expect(run).toHaveBeenCalledTimes(1);
    expect(w.get(id)).toMatchObject({ status: 'CANCELLED', attempts: 1 });
  });

  it('cancels an ESCALATED task', async () => {
    const w = await startWarden({
      agents: {
        coder: {
          run: async () => {
            throw httpError(401);
          },
        },
      },
    });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('ESCALATED');
    expect((await w.cancel(id)).status).toBe('CANCELLED');
  });

  it('cancel of a finished task rejects with invalid_transition and changes nothing', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 'ok' } } });
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('SUCCEEDED');
    expect(await rejectionCode(w.cancel(id))).toBe('invalid_transition');
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', output: 'ok' });
    await expect(w.result(id)).resolves.toBe('ok');

    const second = await w.submit({ agent: 'coder' });
    await flush();
    await w.cancel(second.id).catch(() => undefined);
    expect(await rejectionCode(w.cancel(second.id))).toBe('invalid_transition');
  });

  it('an unknown id rejects with not_found everywhere', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 'ok' } } });
    expect(await rejectionCode(w.cancel('nope'))).toBe('not_found');
    expect(await rejectionCode(w.retry('nope'))).toBe('not_found');
    expect(await rejectionCode(w.resolve('nope', 1))).toBe('not_found');
    expect(await rejectionCode(w.result('nope'))).toBe('not_found');
    expect(await rejectionCode(w.reportSuccess('nope', 1))).toBe('not_found');
    expect(await rejectionCode(w.reportFailure('nope', new Error('x')))).toBe('not_found');
    expect(await rejectionCode(w.heartbeat('nope'))).toBe('not_found');
    expect(() => w.history('nope')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(w.get('nope')).toBeUndefined();
  });
});
