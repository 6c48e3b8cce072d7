// The one harness for in-memory warden tests (test/runtime, test/supervision): fake timers with the
// clock at T0 around each test, wardens stopped afterwards, and the small tools those tests share.
// Nothing here waits for real time.
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, vi } from 'vitest';
import { createWarden, isWardenError, type SupervisorConfig, type Warden, type WardenConfig, type WardenOptions } from '../../src/index.ts';
import type { TaskStatus, TransitionRecord } from '../../src/types.ts';

export const T0 = new Date('2030-01-01T00:00:00.000Z').getTime();

const live: Warden[] = [];

/** Fake timers (clock at T0) around each test; every warden made by `makeWarden` is stopped afterwards. */
export function useWardenHarness(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(async () => {
    // A stop() that waits on a hung 'infinity' hook is left behind rather than hanging the suite.
    // Time moves only for such a stop: pending attempt timers of a stopped warden are left alone.
    for (const w of live.splice(0)) {
      const stopping = track(w.stop());
      await vi.advanceTimersByTimeAsync(0);
      if (!stopping.done) await vi.advanceTimersByTimeAsync(10 * 60_000);
    }
    vi.useRealTimers();
  });
}

export type TestConfig = Omit<WardenConfig, 'persist'>;

/** An in-memory warden with a silent logger (unless the config brings one); stopped after the test. */
export function makeWarden(config: TestConfig, opts?: WardenOptions): Warden {
  const w = createWarden({ logger: pino({ level: 'silent' }), ...config, persist: false }, opts);
  live.push(w);
  return w;
}

export async function startWarden(config: TestConfig, opts?: WardenOptions): Promise<Warden> {
  const w = makeWarden(config, opts);
  await w.start();
  return w;
}

/** Lets pending promise callbacks run without moving the fake clock. */
export async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Restart backoff without jitter, so every delay is exact. */
export function flatBackoff(initialMs = 10, factor = 2, maxMs = 10_000): NonNullable<SupervisorConfig['backoff']> {
  return { initialMs, factor, maxMs, jitter: 'none' };
}

/** An error the way HTTP clients shape them: a message plus `status` and optional extras. */
export function httpError(status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status }, extra);
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
  settled: boolean;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
    resolve: (v) => {
      d.settled = true;
      resolve(v);
    },
    reject: (e) => {
      d.settled = true;
      reject(e);
    },
    settled: false,
  };
  // Marked handled: a rejection the runtime never listens to (an abandoned incarnation) must not fail the run.
  d.promise.catch(() => {});
  return d;
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track<T>(p: Promise<T>): { readonly done: boolean; readonly promise: Promise<T> } {
  const state = { done: false, promise: p };
  p.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

/** A promise that never settles: an agent that hangs. */
export function never(): Promise<never> {
  return new Promise<never>(() => {});
}

export function statuses(w: Warden, id: string): TaskStatus[] {
  return w.history(id).map((r) => r.to as TaskStatus);
}

/** The code of the WardenError a promise rejects with (fails the test if it resolves or throws something else). */
export async function rejectionCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isWardenError(err)) return err.code;
    throw new Error(`expected a WardenError, got ${String(err)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Every record from the moment of the call (call before start() to see the INIT records). */
export function recordAll(w: Warden): TransitionRecord[] {
  const records: TransitionRecord[] = [];
  w.on('transition', (r) => records.push(r));
  return records;
}

export interface LogCapture {
  logger: Logger;
  /** raw JSON lines, as pino wrote them */
  lines: string[];
  /** the lines parsed */
  entries(): Array<Record<string, unknown>>;
}

/** A pino logger writing into memory; pass `redact` to get the same redaction the runtime's default logger uses. */
export function captureLogs(options: { redact?: readonly string[]; level?: string } = {}): LogCapture {
  const lines: string[] = [];
  const stream = { write: (line: string) => void lines.push(line) };
  const logger = pino(
    {
      level: options.level ?? 'trace',
      ...(options.redact ? { redact: { paths: [...options.redact], censor: '[redacted]' } } : {}),
    },
    stream,
  );
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
