// Restore semantics: what start() makes of the state a stopped or crashed warden left.
//
// vitest's fake clock drives Date, setTimeout and setInterval; setImmediate stays real because the
// journal's group commit goes out in one. A "crash" drops the instance without stop() once its group
// commit is written (dropLikeACrash: its armed timers are removed so it can never write again).
// The real-process version is test/crash/kill.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { RunContext, TaskInfo, Warden } from '../../src/index.ts';
import { readJournalFile } from '../../src/store/journal.ts';
import { dropLikeACrash, external, rejection, tmpDir, turns, useStoreHarness, wardenOn, type StoreConfig, advance, useStoreClock } from './helpers.ts';

useStoreHarness();
useStoreClock();

const END_STATES = ['stop', 'crash'] as const;
type Ending = (typeof END_STATES)[number];

async function end(w: Warden, how: Ending, dir: string): Promise<void> {
  if (how === 'stop') await w.stop();
  else await dropLikeACrash(dir);
}

async function started(dir: string, config: StoreConfig): Promise<Warden> {
  const w = wardenOn(dir, config, undefined, false);
  await w.start();
  return w;
}

const retryIn10s = { default: { maxRetries: 2, backoff: { initialMs: 10_000, factor: 2, maxMs: 60_000, jitter: 'none' as const } } };

describe.each(END_STATES)('after %s', (how) => {
  it('a RETRY_WAIT task keeps only its remaining time', async () => {
    const dir = tmpDir();
    const config = { agents: { ext: external }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext' });
    await a.reportFailure(id, { status: 503 });
    const retryAt = Date.now() + 10_000;
    expect(a.get(id)).toMatchObject({ status: 'RETRY_WAIT', nextRetryAt: new Date(retryAt).toISOString() });
    await advance(4_000);
    await end(a, how, dir);

    const b = await started(dir, config);
    expect(b.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, nextRetryAt: new Date(retryAt).toISOString() });
    await advance(5_999);
    expect(b.get(id)?.status).toBe('RETRY_WAIT');
    await advance(1);
    expect(b.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 2 });
    expect(b.history(id).find((r) => r.from === 'RETRY_WAIT' && r.to === 'ASSIGNED')?.at).toBe(retryAt);
    await b.stop();
  });

  it('a retry deadline that passed while the process was down fires at once', async () => {
    const dir = tmpDir();
    const config = { agents: { ext: external }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext' });
    await a.reportFailure(id, { status: 503 });
    await end(a, how, dir);
    vi.setSystemTime(Date.now() + 60_000); // down for a minute

    const b = await started(dir, config);
    await turns(3);
    await vi.advanceTimersByTimeAsync(0);
    await turns(3);
    expect(b.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 2 });
    await b.stop();
  });

  it('an OPEN circuit stays OPEN for its remaining openMs, then lets a probe through', async () => {
    const dir = tmpDir();
    const config = {
      agents: { ext: { breaker: { failureThreshold: 2, windowMs: 60_000, openMs: 10_000 } } },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 600_000, maxMs: 600_000, jitter: 'none' as const } } },
    };
    const a = await started(dir, config);
    const one = await a.submit({ agent: 'ext' });
    const two = await a.submit({ agent: 'ext' });
    await a.reportFailure(one.id, { status: 503 });
    await a.reportFailure(two.id, { status: 503 });
    const openedAt = Date.now();
    expect(a.breakers()[0]).toMatchObject({ state: 'OPEN', halfOpenAt: new Date(openedAt + 10_000).toISOString() });
    const queued = await a.submit({ agent: 'ext' });
    expect(a.get(queued.id)?.status).toBe('ASSIGNED');
    await advance(3_000);
    await end(a, how, dir);

    const b = await started(dir, config);
    expect(b.breakers()[0]).toMatchObject({ state: 'OPEN', halfOpenAt: new Date(openedAt + 10_000).toISOString() });
    expect(b.get(queued.id)?.status).toBe('ASSIGNED');
    await advance(6_999);
    expect(b.breakers()[0]?.state).toBe('OPEN');
    expect(b.get(queued.id)?.status).toBe('ASSIGNED');
    await advance(1);
    expect(b.breakers()[0]?.state, 'the circuit must go HALF_OPEN when its openUntil passes').toBe('HALF_OPEN');
    expect(b.get(queued.id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    await b.stop();
  });

  it('an OPEN circuit whose openUntil passed while the process was down goes HALF_OPEN at once', async () => {
    const dir = tmpDir();
    const config = {
      agents: { ext: { breaker: { failureThreshold: 2, windowMs: 60_000, openMs: 10_000 } } },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 600_000, maxMs: 600_000, jitter: 'none' as const } } },
    };
    const a = await started(dir, config);
    for (let i = 0; i < 2; i++) await a.reportFailure((await a.submit({ agent: 'ext' })).id, { status: 503 });
    const queued = await a.submit({ agent: 'ext' });
    expect(a.breakers()[0]?.state).toBe('OPEN');
    await end(a, how, dir);
    vi.setSystemTime(Date.now() + 60_000);

    const b = await started(dir, config);
    await advance(0);
    expect(b.breakers()[0]?.state, 'the circuit must go HALF_OPEN when its openUntil passes').toBe('HALF_OPEN');
    expect(b.get(queued.id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    await b.stop();
  });

  it('an external-executor task that was IN_PROGRESS stays IN_PROGRESS, holds its slot, and can still report success', async () => {
    const dir = tmpDir();
    const config = { agents: { ext: external }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext', input: { job: 7 } });
    await end(a, how, dir);

    const b = await started(dir, config);
    await advance(0);
    expect(b.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    expect(b.agent('ext').inFlight).toBe(1);
    const view = await b.reportSuccess(id, { built: true });
    expect(view).toMatchObject({ status: 'SUCCEEDED', output: { built: true }, attempts: 1 });
    expect(b.history(id).map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    expect(b.agent('ext').inFlight).toBe(0);
    await b.stop();
  });

  it("an external task's heartbeat deadline keeps only its remaining time", async () => {
    const dir = tmpDir();
    const config = { agents: { ext: { heartbeatTimeoutMs: 5_000 } }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext' });
    await advance(2_000);
    await end(a, how, dir);

    const b = await started(dir, config);
    await advance(2_999);
    expect(b.get(id)?.status).toBe('IN_PROGRESS');
    await advance(1);
    expect(b.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, error: { kind: 'timeout' } });
    await b.stop();
  });

  it('a heartbeat before the restart still counts: the deadline runs from the last heartbeat', async () => {
    const dir = tmpDir();
    const config = { agents: { ext: { heartbeatTimeoutMs: 5_000 } }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext' });
    await advance(4_000);
    await a.heartbeat(id); // the deadline is now 4 s + 5 s from the submit
    await advance(1_000);
    await end(a, how, dir);

    const b = await started(dir, config);
    await advance(3_999);
    expect(b.get(id)?.status).toBe('IN_PROGRESS');
    await advance(1);
    expect(b.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, error: { kind: 'timeout' } });
    await b.stop();
  });

  it('idempotencyKey de-duplication holds across restarts', async () => {
    const dir = tmpDir();
    const config = { agents: { ext: external } };
    const a = await started(dir, config);
    const first = await a.submit({ agent: 'ext', idempotencyKey: 'order-1' });
    await end(a, how, dir);

    const b = await started(dir, config);
    expect(await b.submit({ agent: 'ext', idempotencyKey: 'order-1' })).toEqual({ id: first.id, created: false });
    const second = await b.submit({ agent: 'ext', idempotencyKey: 'order-2' });
    expect(second.created).toBe(true);
    await end(b, how, dir);

    const c = await started(dir, config);
    expect(await c.submit({ agent: 'ext', idempotencyKey: 'order-1' })).toEqual({ id: first.id, created: false });
    expect(await c.submit({ agent: 'ext', idempotencyKey: 'order-2' })).toEqual({ id: second.id, created: false });
    expect(c.list().items.map((t) => t.id)).toEqual([first.id, second.id]);
    expect(c.get(first.id)?.idempotencyKey).toBe('order-1');
    await c.stop();
  });

  it('alerts survive a restart', async () => {
    const dir = tmpDir();
    const config = { agents: { ext: external }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext' });
    await a.reportFailure(id, { status: 401, message: 'bad key' });
    const alerts = a.alerts();
    expect(alerts).toEqual([expect.objectContaining({ level: 'CRITICAL', component: `task:${id}` })]);
    await end(a, how, dir);

    const b = await started(dir, config);
    expect(b.alerts()).toEqual(alerts);
    await b.stop();
  });
});

describe('an in-process task that was IN_PROGRESS when the process died', () => {
  /** A: saves checkpoints, then hangs until the process dies. B: records what it is given, succeeds. */
  function agents(seen: Array<{ attempt: number; checkpoint: unknown }>, hang: boolean): StoreConfig['agents'] {
    return {
      coder: {
        run: async (_task: TaskInfo, ctx: RunContext) => {
          seen.push({ attempt: ctx.attempt, checkpoint: ctx.checkpoint });
          if (hang) {
            ctx.saveCheckpoint({ step: 1 });
            await Promise.resolve();
            ctx.saveCheckpoint({ step: 2, files: ['a.ts'] });
            return new Promise<never>(() => {});
          }
          return { resumedFrom: ctx.checkpoint };
        },
      },
    };
  }

  it.each(END_STATES)('after %s it FAILED with kind crash, the crashed attempt counts, and its last checkpoint reaches the next attempt', async (how) => {
    const dir = tmpDir();
    const seenA: Array<{ attempt: number; checkpoint: unknown }> = [];
    const a = await started(dir, { agents: agents(seenA, true), taskTypes: retryIn10s });
    const { id } = await a.submit({ agent: 'coder' });
    await turns(3);
    expect(a.get(id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1, checkpoint: { step: 2, files: ['a.ts'] } });
    await end(a, how, dir);

    const seenB: Array<{ attempt: number; checkpoint: unknown }> = [];
    const b = await started(dir, { agents: agents(seenB, false), taskTypes: retryIn10s });
    await advance(0);
    expect(b.get(id)).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, error: { kind: 'crash' } });
    await advance(10_000);
    expect(seenB).toEqual([{ attempt: 2, checkpoint: { step: 2, files: ['a.ts'] } }]);
    expect(b.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2, output: { resumedFrom: { step: 2, files: ['a.ts'] } } });
    const history = b.history(id);
    expect(history.map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    expect(history[3]).toMatchObject({ from: 'IN_PROGRESS', to: 'FAILED', attempt: 1, error: { kind: 'crash' } });
    await b.stop();
  });

  it('a snapshot taken during the attempt keeps the checkpoint saved so far (crash after the snapshot)', async () => {
    const dir = tmpDir();
    // snapshotEvery: 1 writes a snapshot right after the checkpoint's journal line, covering that line.
    const a = await started(dir, { snapshotEvery: 1, agents: agents([], true), taskTypes: retryIn10s });
    const { id } = await a.submit({ agent: 'coder' });
    await turns(5);
    await dropLikeACrash(dir);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { n: number };
    const checkpointLine = readJournalFile(path.join(dir, fs.readdirSync(dir).filter((f) => f.startsWith('journal-')).sort().at(-1)!)).lines.find(
      (l) => 'c' in l && l.c.id === id,
    );
    expect(checkpointLine, 'the checkpoint was journaled').toBeDefined();
    expect(state.n, 'and the last snapshot covers its line').toBeGreaterThanOrEqual(checkpointLine?.n ?? Infinity);

    const seenB: Array<{ attempt: number; checkpoint: unknown }> = [];
    const b = await started(dir, { agents: agents(seenB, false), taskTypes: retryIn10s });
    await advance(10_000);
    expect(seenB).toEqual([{ attempt: 2, checkpoint: { step: 2, files: ['a.ts'] } }]);
    expect(b.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    await b.stop();
  });

  it('with no retries left the crash escalates: the crashed attempt counts toward the budget', async () => {
    const dir = tmpDir();
    const a = await started(dir, { agents: agents([], true), taskTypes: retryIn10s });
    const { id } = await a.submit({ agent: 'coder', maxRetries: 0 });
    await dropLikeACrash(dir);

    const seenB: Array<{ attempt: number; checkpoint: unknown }> = [];
    const b = await started(dir, { agents: agents(seenB, false), taskTypes: retryIn10s });
    await advance(60_000);
    expect(seenB).toEqual([]);
    expect(b.get(id)).toMatchObject({ status: 'ESCALATED', attempts: 1, error: { kind: 'crash' } });
    expect(b.alerts().some((al) => al.level === 'CRITICAL' && al.component === `task:${id}`)).toBe(true);
    await b.stop();
  });
});

describe('durability', () => {
  it("submit() under the default 'write' resolves only once its records are in the journal file", async () => {
    const dir = tmpDir();
    const w = await started(dir, { agents: { ext: external } });
    const { id } = await w.submit({ agent: 'ext', input: { big: 'x'.repeat(1_000) } });
    // Read synchronously, before any other turn of the event loop.
    const { lines, torn } = readJournalFile(path.join(dir, 'journal.jsonl'));
    expect(torn).toBeUndefined();
    const mine = lines.filter((l) => 'r' in l && l.r.id === id).map((l) => ('r' in l ? l.r.to : ''));
    expect(mine).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS']);
    const view = await w.reportSuccess(id, 'ok');
    expect(view.status).toBe('SUCCEEDED');
    const after = readJournalFile(path.join(dir, 'journal.jsonl')).lines;
    expect(after.some((l) => 'r' in l && l.r.id === id && l.r.to === 'SUCCEEDED')).toBe(true);
    await w.stop();
  });

  it("durability: 'fsync' journals, acknowledges and restores", async () => {
    const dir = tmpDir();
    const config = { durability: 'fsync' as const, agents: { ext: external }, taskTypes: retryIn10s };
    const a = await started(dir, config);
    const ids: string[] = [];
    // Many submits in one turn share one write and one fdatasync.
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => a.submit({ agent: 'ext', input: { i } })));
    for (const r of results) ids.push(r.id);
    const lines = readJournalFile(path.join(dir, 'journal.jsonl')).lines;
    for (const id of ids) expect(lines.some((l) => 'r' in l && l.r.id === id && l.r.to === 'PENDING')).toBe(true);
    await a.reportSuccess(ids[0]!, 'done');
    await a.reportFailure(ids[1]!, { status: 401 });
    const before = ids.map((id) => a.get(id));
    await dropLikeACrash(dir);

    const b = await started(dir, config);
    expect(ids.map((id) => b.get(id))).toEqual(before);
    expect(b.get(ids[0]!)).toMatchObject({ status: 'SUCCEEDED', output: 'done' });
    const more = await b.submit({ agent: 'ext' });
    await b.stop();

    const c = await started(dir, config);
    expect(c.get(more.id)?.status).toMatch(/^(ASSIGNED|IN_PROGRESS)$/);
    expect(c.get(ids[1]!)?.status).toBe('ESCALATED');
    await c.stop();
  });

  it("health() says 'restoring' until start() is done", async () => {
    const dir = tmpDir();
    const w = wardenOn(dir, { agents: { ext: external } });
    const starting = w.start();
    expect(w.state).toBe('restoring');
    expect(w.health()).toMatchObject({ state: 'restoring', ready: false });
    await starting;
    expect(w.health()).toMatchObject({ state: 'running', ready: true });
  });

  it('a second start() on a failed instance does not double-open the store: the corrupt_state stays', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'state.json'), '{');
    const w = wardenOn(dir, { agents: { ext: external } });
    expect((await rejection(w.start())).code).toBe('corrupt_state');
    expect((await rejection(w.start())).code).toBe('corrupt_state');
  });
});

describe('retention', () => {
  it('a finished task past finishedInMemoryMs leaves memory and the snapshot, but get and history stay readable, also after a restart', async () => {
    const dir = tmpDir();
    const config = { finishedInMemoryMs: 1_000, agents: { ext: external } };
    const a = await started(dir, config);
    const { id } = await a.submit({ agent: 'ext' });
    await a.reportSuccess(id, 'ok');
    const history = a.history(id);
    const view = a.get(id);
    await advance(5_000); // the sweep runs every max(1 s, finishedInMemoryMs)
    await a.stop();
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { tasks: Record<string, unknown> };
    expect(Object.keys(state.tasks)).not.toContain(id);
    expect(a.history(id)).toEqual(history);
    expect(a.get(id)).toEqual(view);

    const b = await started(dir, config);
    expect(b.history(id)).toEqual(history);
    expect(b.get(id)).toEqual(view);
    await expect(b.result(id)).resolves.toBe('ok');
    await b.stop();
  });
});
