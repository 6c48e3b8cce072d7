// Shared scaffolding for the runtime integration tests: an in-memory warden, log capture, small utilities.
// Every test drives time with vitest fake timers; nothing here waits for real time.
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, vi } from 'vitest';
import { createWarden, isWardenError, type Warden, type WardenConfig, type WardenOptions } from '../../src/index.ts';
import type { TaskStatus, TransitionRecord } from '../../src/types.ts';

const live: Warden[] = [];

/** Fake timers around each test, and every warden made by `makeWarden` stopped afterwards. */
export function useRuntimeHarness(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z') });
  });
  afterEach(async () => {
    for (const w of live.splice(0)) await w.stop();
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

/** An error the way HTTP clients shape them: a message plus `status` and optional extras. */
export function httpError(status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status }, extra);
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = unknown>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
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

/** Every record the warden publishes, from the moment of the call. */
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
