// Shared scaffolding for the store tests: temp data dirs, file hashes, a seeded data dir, small waits.
// Every warden here persists into a real directory (lowdb through `new Low(new DataFile(...))`, so
// NODE_ENV=test does not turn the snapshot into memory).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, vi } from 'vitest';
import { createWarden, isWardenError, type Warden, type WardenConfig, type WardenError, type WardenOptions } from '../../src/index.ts';

const made: string[] = [];
const running: Warden[] = [];

/** Removes every temp dir and stops every warden made through these helpers after each test. */
export function useStoreHarness(): void {
  afterEach(async () => {
    for (const w of running.splice(0)) await w.stop().catch(() => undefined);
    for (const dir of made.splice(0)) {
      try {
        fs.chmodSync(dir, 0o700);
      } catch {
        // already gone or never a dir
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** A fresh directory of its own for one test. */
export function tmpDir(prefix = 'warden-store-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export const silent = pino({ level: 'silent' });

export type StoreConfig = Omit<WardenConfig, 'dataDir' | 'logger'>;

/** A persisting warden on `dir` with a silent logger; stopped after the test unless `track` is false. */
export function wardenOn(dir: string, config: StoreConfig, opts?: WardenOptions, track = true): Warden {
  const w = createWarden({ logger: silent, ...config, dataDir: dir }, opts);
  if (track) running.push(w);
  return w;
}

/** Lets setImmediate callbacks run (the journal's group commit goes out in one). */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** sha256 of every file in the directory (not recursive), by name. */
export function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = sha256(fs.readFileSync(p));
  }
  return out;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The WardenError `p` rejects with; fails the test if it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<WardenError> {
  let outcome: { ok: true } | { ok: false; err: unknown };
  try {
    await p;
    outcome = { ok: true };
  } catch (err) {
    outcome = { ok: false, err };
  }
  if (outcome.ok) throw new Error('expected a rejection, but the promise resolved');
  if (!isWardenError(outcome.err)) throw new Error(`expected a WardenError, got ${String(outcome.err)}`, { cause: outcome.err });
  return outcome.err;
}

/** An agent with no run(): its attempts are reported through reportSuccess / reportFailure. */
export const external = {};

export const quickTypes = {
  default: { maxRetries: 2, backoff: { initialMs: 10_000, factor: 2, maxMs: 60_000, jitter: 'none' as const } },
};

export interface Seeded {
  dir: string;
  ids: { done: string; escalated: string; running: string; waiting: string };
}

/**
 * A data dir as a stopped warden leaves it: state.json, a journal segment and an empty live journal.
 * Four tasks of an external agent: one SUCCEEDED, one ESCALATED (401), one IN_PROGRESS, one RETRY_WAIT.
 */
export async function seedDir(dir = tmpDir()): Promise<Seeded> {
  const w = wardenOn(dir, { agents: { ext: external }, taskTypes: quickTypes }, undefined, false);
  await w.start();
  const done = (await w.submit({ agent: 'ext', input: { n: 1 }, idempotencyKey: 'key-done' })).id;
  const escalated = (await w.submit({ agent: 'ext', input: { n: 2 } })).id;
  const running = (await w.submit({ agent: 'ext', input: { n: 3 } })).id;
  const waiting = (await w.submit({ agent: 'ext', input: { n: 4 } })).id;
  await w.reportSuccess(done, { ok: true });
  await w.reportFailure(escalated, { status: 401, message: 'bad key' });
  await w.reportFailure(waiting, { status: 503, message: 'busy' });
  await w.stop();
  return { dir, ids: { done, escalated, running, waiting } };
}

/**
 * The same data, but as the journal alone (as after "move state.json aside"): every line from the
 * segments concatenated into journal.jsonl, no snapshot, no segments.
 */
export async function journalOnlyDir(): Promise<Seeded & { journal: string; lines: string[] }> {
  const seeded = await seedDir();
  const { dir } = seeded;
  const segments = fs.readdirSync(dir).filter((f) => /^journal-\d+\.jsonl$/.test(f)).sort();
  const live = path.join(dir, 'journal.jsonl');
  const text = [...segments.map((f) => path.join(dir, f)), live].map((f) => fs.readFileSync(f, 'utf8')).join('');
  for (const f of segments) fs.rmSync(path.join(dir, f));
  fs.rmSync(path.join(dir, 'state.json'), { force: true });
  fs.rmSync(path.join(dir, 'state.json.bak'), { force: true });
  fs.writeFileSync(live, text);
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { ...seeded, journal: live, lines };
}

export function writeLines(file: string, lines: readonly string[]): void {
  fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
}

/** The JSON of one line, with `n` replaced. */
export function renumber(line: string, n: number): string {
  const o = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({ ...o, n });
}

const realSetTimeout = globalThis.setTimeout;

/** Waits real time, also while vitest's fake timers are installed. */
export function realSleep(ms: number): Promise<void> {
  return new Promise((r) => realSetTimeout(r, ms));
}

/**
 * Waits until no snapshot write of a dropped instance is under way (each write goes to its own
 * `.state.json.<pid>.<n>.tmp`, then is renamed): one still in flight would land after the next
 * instance's own snapshot — two processes never share a data dir, so that belongs to the simulation only.
 */
export async function snapshotSettled(dir: string): Promise<void> {
  const writing = () => fs.readdirSync(dir).some((f) => /^\.state\.json\..+\.tmp$/.test(f));
  let quiet = 0;
  for (let i = 0; i < 200 && quiet < 3; i++) {
    await turns(2);
    await realSleep(5);
    quiet = writing() ? 0 : quiet + 1;
  }
  // Giving up quietly would let the next instance race the write this waits for.
  if (quiet < 3) throw new Error(`snapshotSettled: a snapshot in ${dir} was still being written after 200 polls`);
}

/**
 * Drops a running warden on `dir` as a SIGKILL would, once its group commit went out: lets a snapshot
 * on its way land, then removes every fake timer (the dropped instance's retry timers, deadlines,
 * snapshot interval) so nothing of it can write into the directory again. Needs vitest fake timers
 * for setTimeout/setInterval/Date (not setImmediate).
 */
export async function dropLikeACrash(dir: string): Promise<void> {
  await turns(3);
  await snapshotSettled(dir);
  // clearAllTimers also winds the fake clock back to where it started: keep the time.
  const at = Date.now();
  vi.clearAllTimers();
  vi.setSystemTime(at);
}

/** Before each test, vitest's fake clock at 2030-01-01 drives Date and the timers; setImmediate stays
 *  real because the journal's group commit goes out in one. */
export function useStoreClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Moves the fake clock on by `ms`, then lets the journal's writes settle. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await turns(3);
}

/** The base names of the files `fs.readFileSync` opened while `fn` ran (the real one does the reading). */
export function readsDuring(fn: () => void): string[] {
  const cjs = createRequire(import.meta.url)('node:fs') as { readFileSync: (...a: unknown[]) => unknown };
  const real = cjs.readFileSync;
  const seen: string[] = [];
  cjs.readFileSync = (...a: unknown[]) => {
    seen.push(path.basename(String(a[0])));
    return real(...a);
  };
  syncBuiltinESMExports(); // `import * as fs` in src/ sees the wrapper too
  try {
    fn();
  } finally {
    cjs.readFileSync = real;
    syncBuiltinESMExports();
  }
  return seen;
}
