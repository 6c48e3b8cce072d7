// Round trips: whatever a random sequence of operations leaves behind, a new warden on the same data
// dir shows exactly that again — every task's get() and history() (times and all), the list order,
// the alerts and the breakers — after a clean stop(), and after a crash (the instance is dropped
// without stop(), once its last acknowledged call resolved and the group commit went out).
//
// The clock is vitest's fake clock (Date, setTimeout, setInterval), so timed states never fire on
// their own and "tick" is an operation. setImmediate stays real: the journal's group commit uses it.
// A dropped instance keeps its armed timers; vi.clearAllTimers() removes them before the next
// instance starts, so nothing of the dropped one can write into the directory again (everything it
// would ever write without a timer has been written: its in-process runs finish within microtasks,
// and a snapshot it was writing is waited for). The real-process version is test/crash/kill.test.ts.
import * as fs from 'node:fs';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert, BreakerView, RunContext, TaskInfo, TaskView, TransitionRecord, Warden } from '../../src/index.ts';
import { isWardenError } from '../../src/index.ts';
import { createWarden } from '../../src/index.ts';
import { dropLikeACrash, silent, tmpDir, turns, useStoreHarness } from './helpers.ts';

useStoreHarness();

const FAILURES = ['503', '429', '401', '404', '400', 'timeout', 'connection', 'boom', 'crash'] as const;
type FailureKind = (typeof FAILURES)[number];

function failureValue(kind: FailureKind): unknown {
  switch (kind) {
    case '503':
      return { status: 503, message: 'service unavailable' };
    case '429':
      return Object.assign(new Error('slow down'), { status: 429, retryAfter: 2 });
    case '401':
      return { status: 401, message: 'bad key' };
    case '404':
      return { status: 404, message: 'no such thing' };
    case '400':
      return { status: 400, message: 'bad request' };
    case 'timeout':
      return { kind: 'timeout', message: 'took too long' };
    case 'connection':
      return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    case 'boom':
      return new Error('boom');
    case 'crash':
      return { kind: 'crash', message: 'the executor died' };
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Op =
  | { op: 'submit'; maxRetries: number; key?: string; input: Json }
  | { op: 'checkpoint'; maxRetries: number; data: Json; plan: FailureKind[] }
  | { op: 'success'; pick: number; output: Json }
  | { op: 'failure'; pick: number; kind: FailureKind }
  | { op: 'cancel'; pick: number }
  | { op: 'retry'; pick: number }
  | { op: 'resolve'; pick: number; output: Json }
  | { op: 'tick'; ms: number };

const json: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as Json);
const pick = fc.nat({ max: 40 });
const failureKind = fc.constantFrom(...FAILURES);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('submit' as const), maxRetries: fc.nat({ max: 2 }), key: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }), input: json }, { requiredKeys: ['op', 'maxRetries', 'input'] }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('checkpoint' as const), maxRetries: fc.nat({ max: 2 }), data: json, plan: fc.array(failureKind, { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('success' as const), pick, output: json }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('failure' as const), pick, kind: failureKind }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retry' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('resolve' as const), pick, output: json }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.constantFrom(500, 3_000, 12_000, 40_000) }) },
);

interface WorkerInput {
  data: Json;
  plan: FailureKind[];
}

/** The in-process agent: saves a checkpoint in every attempt, then fails as its plan says or succeeds. */
async function work(task: TaskInfo, ctx: RunContext): Promise<unknown> {
  const { data, plan } = task.input as WorkerInput;
  ctx.saveCheckpoint({ data, attempt: ctx.attempt, seen: ctx.checkpoint ?? null });
  await Promise.resolve();
  const kind = plan[ctx.attempt - 1];
  if (kind) throw failureValue(kind);
  return { attempt: ctx.attempt, resumedFrom: ctx.checkpoint ?? null };
}

function makeWarden(dir: string, snapshotEvery: number): Warden {
  return createWarden({
    dataDir: dir,
    logger: silent,
    snapshotEvery,
    agents: {
      ext: { concurrency: 2, breaker: { failureThreshold: 4, windowMs: 60_000, openMs: 20_000 } },
      worker: { run: work, concurrency: 2, breaker: { failureThreshold: 3, windowMs: 60_000, openMs: 20_000 } },
    },
    taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 1_000, factor: 2, maxMs: 30_000, jitter: 'full' } } },
  });
}

interface Captured {
  tasks: Array<{ view: TaskView | undefined; history: TransitionRecord[] }>;
  order: string[];
  alerts: Alert[];
  breakers: BreakerView[];
}

function capture(w: Warden, ids: readonly string[]): Captured {
  return {
    tasks: ids.map((id) => ({ view: w.get(id), history: w.history(id) })),
    order: w.list({ limit: 10_000 }).items.map((t) => t.id),
    alerts: w.alerts({ limit: 10_000 }),
    breakers: w.breakers(),
  };
}

/** Runs one operation; a call the task's state does not allow is part of the game. */
async function apply(w: Warden, ids: string[], op: Op): Promise<void> {
  const target = () => ids[('pick' in op ? op.pick : 0) % Math.max(1, ids.length)];
  try {
    switch (op.op) {
      case 'submit': {
        const { id } = await w.submit({ agent: 'ext', input: op.input, maxRetries: op.maxRetries, ...(op.key ? { idempotencyKey: op.key } : {}) });
        if (!ids.includes(id)) ids.push(id);
        break;
      }
      case 'checkpoint': {
        const input: WorkerInput = { data: op.data, plan: op.plan };
        const { id } = await w.submit({ agent: 'worker', input, maxRetries: op.maxRetries });
        ids.push(id);
        break;
      }
      case 'tick':
        await vi.advanceTimersByTimeAsync(op.ms);
        break;
      default: {
        const id = target();
        if (id === undefined) return;
        if (op.op === 'success') await w.reportSuccess(id, op.output);
        else if (op.op === 'failure') await w.reportFailure(id, failureValue(op.kind));
        else if (op.op === 'cancel') await w.cancel(id);
        else if (op.op === 'retry') await w.retry(id);
        else await w.resolve(id, op.output);
      }
    }
  } catch (err) {
    if (!isWardenError(err) || err.code !== 'invalid_transition') throw err;
  }
  // In-process attempts settle within microtasks; their records go out with the next group commit.
  await turns(3);
}

async function runSequence(ops: readonly Op[], snapshotEvery: number, crash: boolean, check: 'tasks' | 'breakers'): Promise<void> {
  const dir = tmpDir('warden-roundtrip-');
  const a = makeWarden(dir, snapshotEvery);
  await a.start();
  const ids: string[] = [];
  for (const op of ops) await apply(a, ids, op);
  await turns(3);
  const before = capture(a, ids);
  if (crash) {
    await dropLikeACrash(dir);
  } else {
    await a.stop();
  }

  const b = makeWarden(dir, snapshotEvery);
  try {
    await b.start();
    const after = capture(b, ids);
    const how = `after ${crash ? 'a crash' : 'stop()'}; ops ${JSON.stringify(ops)}; snapshotEvery ${snapshotEvery}`;
    if (check === 'tasks') {
      expect(after.order, `list order ${how}`).toEqual(before.order);
      for (const [i, t] of before.tasks.entries()) expect(after.tasks[i], `task ${ids[i]} ${how}`).toEqual(t);
      expect(after.alerts, `alerts ${how}`).toEqual(before.alerts);
    } else {
      expect(after.breakers, `breakers ${how}`).toEqual(before.breakers);
    }
  } finally {
    await b.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('round trip through the data dir (fast-check)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const settings = { numRuns: 40 } as const;
  const sequences = fc.array(opArb, { minLength: 1, maxLength: 30 });
  const snapshotEvery = fc.constantFrom(3, 10, 1_000);

  it.each([
    ['stop() then start()', false],
    ['a crash (no stop()) after the last acknowledged call', true],
  ] as const)('%s: every task (get and history, times and all), the list order and the alerts come back as acknowledged', async (_name, crash) => {
    await fc.assert(
      fc.asyncProperty(sequences, snapshotEvery, (ops, every) => runSequence(ops, every, crash, 'tasks')),
      settings,
    );
  }, 120_000);

  it.each([
    ['stop() then start()', false],
    ['a crash (no stop()) after the last acknowledged call', true],
  ] as const)('%s: the breakers come back as they were (state and failures in the window)', async (_name, crash) => {
    await fc.assert(
      fc.asyncProperty(sequences, snapshotEvery, (ops, every) => runSequence(ops, every, crash, 'breakers')),
      settings,
    );
  }, 120_000);
});
