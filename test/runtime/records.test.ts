// The audit trail is one unbroken chain: each record starts where the one before it ended.
import { describe, expect, it, vi } from 'vitest';
import { startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('task records', () => {
  it('chain from null through every state entered, with the events that moved them', async () => {
    let calls = 0;
    const w = await startWarden({
      agents: { a: { run: async () => (++calls === 1 ? Promise.reject(Object.assign(new Error('x'), { status: 503 })) : 'ok') } },
      taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 100, factor: 2, maxMs: 100, jitter: 'none' } } },
    });
    const { id } = await w.submit({ agent: 'a' });
    await vi.advanceTimersByTimeAsync(200);
    const h = w.history(id);
    expect(h.map((r) => [r.from, r.to, r.event])).toEqual([
      [null, 'PENDING', 'SUBMIT'],
      ['PENDING', 'ASSIGNED', 'ASSIGN'],
      ['ASSIGNED', 'IN_PROGRESS', 'START'],
      ['IN_PROGRESS', 'FAILED', 'FAIL'],
      ['FAILED', 'RETRY_WAIT', 'FAIL'],
      ['RETRY_WAIT', 'ASSIGNED', 'TIMER'],
      ['ASSIGNED', 'IN_PROGRESS', 'START'],
      ['IN_PROGRESS', 'SUCCEEDED', 'SUCCEED'],
    ]);
    // seq grows by record, and every record of the task carries it
    expect(h.every((r, i) => i === 0 || r.seq > (h[i - 1]?.seq ?? 0))).toBe(true);
    expect(h.every((r) => r.kind === 'task' && r.id === id)).toBe(true);
  });
});
