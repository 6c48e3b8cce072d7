// An agent without `run`: its tasks run outside the process and report back through the library calls.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { advance, deferred, flush, never, rejectionCode, startWarden, statuses, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const retrying = { default: { maxRetries: 2, backoff: { initialMs: 100, jitter: 'none' as const } } };

describe('external executor', () => {
  it('a task waits IN_PROGRESS (one attempt started) until reportSuccess completes it', async () => {
    const w = await startWarden({ agents: { remote: {} } });
    const { id } = await w.submit({ agent: 'remote', input: { job: 1 } });
    const result = w.result(id);
    await advance(600_000); // no heartbeat check configured: it may take as long as it likes
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    expect(w.agent('remote')).toMatchObject({ external: true, inFlight: 1 });

    const view = await w.reportSuccess(id, { built: true });
    expect(view).toMatchObject({ status: 'SUCCEEDED', output: { built: true } });
    await expect(result).resolves.toEqual({ built: true });
    expect(w.agent('remote').inFlight).toBe(0);
    expect(statuses(w, id)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
  });

  it('reportFailure({ status: 503 }) goes through the same policy: RETRY_WAIT, then a second attempt', async () => {
    const w = await startWarden({ agents: { remote: {} }, taskTypes: retrying });
    const { id } = await w.submit({ agent: 'remote' });
    const view = await w.reportFailure(id, { status: 503 });
    expect(view).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, error: { kind: 'server', status: 503 } });
    await advance(100);
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 2 });
    await w.reportSuccess(id, 'ok');
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('reportFailure with a 401 escalates, and a 429 with retryAfter waits that long', async () => {
    const w = await startWarden({ agents: { remote: {} }, taskTypes: retrying });
    const auth = await w.submit({ agent: 'remote' });
    await w.reportFailure(auth.id, { status: 401, message: 'bad key' });
    expect(w.get(auth.id)).toMatchObject({ status: 'ESCALATED', error: { kind: 'auth' } });

    const limited = await w.submit({ agent: 'remote' });
    await w.reportFailure(limited.id, Object.assign(new Error('slow down'), { status: 429, retryAfter: 3 }));
    expect(w.get(limited.id)).toMatchObject({ status: 'RETRY_WAIT', error: { kind: 'rate_limit', retryAfterMs: 3_000 } });
    await advance(2_999);
    expect(w.get(limited.id)?.status).toBe('RETRY_WAIT');
    await advance(1);
    expect(w.get(limited.id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 2 });
  });

  it('no heartbeat within heartbeatTimeoutMs is a timeout failure', async () => {
    const w = await startWarden({ agents: { remote: { heartbeatTimeoutMs: 5_000 } }, taskTypes: retrying });
    const { id } = await w.submit({ agent: 'remote' });
    const t0 = Date.now();
    await advance(4_999);
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    await advance(1);
    expect(w.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, error: { kind: 'timeout' } });
    expect(w.history(id).find((r) => r.to === 'FAILED')?.at).toBe(t0 + 5_000);
    // The late report of the timed-out attempt is refused.
    expect(await rejectionCode(w.reportSuccess(id, 'late'))).toBe('invalid_transition');
  });

  it('heartbeat() pushes the deadline', async () => {
    const w = await startWarden({ agents: { remote: { heartbeatTimeoutMs: 5_000 } }, taskTypes: retrying });
    const { id } = await w.submit({ agent: 'remote' });
    await advance(4_000);
    expect((await w.heartbeat(id)).status).toBe('IN_PROGRESS');
    await advance(4_999); // 8999 ms after start, 4999 after the heartbeat
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    await w.heartbeat(id);
    await advance(4_999);
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    await advance(1);
    expect(w.get(id)).toMatchObject({ status: 'RETRY_WAIT', error: { kind: 'timeout' } });
  });

  it('reports on a task that is not IN_PROGRESS reject with invalid_transition', async () => {
    const w = await startWarden({ agents: { remote: {} }, taskTypes: retrying });
    const { id } = await w.submit({ agent: 'remote' });
    await w.reportFailure(id, { status: 503 });
    expect(w.get(id)?.status).toBe('RETRY_WAIT');
    expect(await rejectionCode(w.reportSuccess(id, 'x'))).toBe('invalid_transition');
    expect(await rejectionCode(w.reportFailure(id, { status: 500 }))).toBe('invalid_transition');
    expect(await rejectionCode(w.heartbeat(id))).toBe('invalid_transition');
    expect(w.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1 });
  });

  it('the external agent respects its concurrency: the third task waits ASSIGNED', async () => {
    const w = await startWarden({ agents: { remote: { concurrency: 2 } } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await w.submit({ agent: 'remote' })).id);
    expect(ids.map((id) => w.get(id)?.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'ASSIGNED']);
    await w.reportSuccess(ids[0] ?? '', 1);
    await flush();
    expect(w.get(ids[2] ?? '')).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
  });
});

describe('heartbeat of an in-process task', () => {
  it('does not cut the running attempt short', async () => {
    const held = deferred<string>();
    const w = await startWarden({
      agents: { local: { timeoutMs: 10_000, run: (_t: TaskInfo, _ctx: RunContext) => held.promise } },
      taskTypes: retrying,
    });
    const { id } = await w.submit({ agent: 'local' });
    await flush();
    await w.heartbeat(id);
    await advance(1_000);
    expect(w.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    held.resolve('done');
    await flush();
    expect(w.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });

  // Guards heartbeat() against sending `deadlineAt: undefined` (or now + 0) for an in-process agent.
  it('does not lift the attempt\'s timeout', async () => {
    const w = await startWarden({
      agents: { local: { timeoutMs: 10_000, run: () => never() } },
      taskTypes: retrying,
    });
    const { id } = await w.submit({ agent: 'local' });
    await flush();
    await advance(5_000);
    await w.heartbeat(id);
    await advance(5_000);
    expect(w.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, error: { kind: 'timeout' } });
  });
});
