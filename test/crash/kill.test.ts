// The crash test: a real Warden process (test/fixtures/crash-worker.ts) on a temp data dir is
// SIGKILLed at seeded random moments — some within a few ms of the moment it starts restoring, while
// it truncates, replays and writes its first records — and restarted each time until every task is
// terminal. Then the data dir is opened in this process and checked: nothing acknowledged is lost,
// nothing succeeded twice, no attempt budget was exceeded, and the crashes are in the histories.
//
// Run with a fixed seed: WARDEN_CRASH_SEED=1234 npx vitest run test/crash
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createWarden, type TaskView, type TransitionRecord } from '../../src/index.ts';
import { mulberry32 } from '../../src/simulate/random.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = path.join(ROOT, 'test/fixtures/crash-worker.ts');
const TOTAL = 500;
const KILLS = 12;
const MAX_RUNS = 40;


interface RunResult {
  killed: boolean;
  killAfterMs?: number;
  done: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  fatal?: string;
  stderr: string;
  acks: number;
}

/**
 * Runs the worker once. With `killAfterMs`, SIGKILLs it that long after it printed BOOT (unless it
 * exited first). `onAck` gets every acknowledged submit.
 */
function runWorker(dataDir: string, sideFile: string, seed: number, run: number, killAfterMs: number | undefined, onAck: (i: number, id: string) => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, sideFile, String(seed), String(TOTAL), String(run)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    let done = false;
    let fatal: string | undefined;
    let acks = 0;
    let timer: NodeJS.Timeout | undefined;
    // A run that neither finishes nor gets killed is a hang: fail rather than wait for the suite timeout.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line === 'BOOT' && killAfterMs !== undefined) {
        timer = setTimeout(() => {
          killed = child.kill('SIGKILL');
        }, killAfterMs);
      } else if (line.startsWith('ACK ')) {
        const [, i, id] = line.split(' ');
        if (i !== undefined && id !== undefined) {
          acks++;
          onAck(Number(i), id);
        }
      } else if (line === 'DONE') done = true;
      else if (line.startsWith('FATAL ')) fatal = line.slice(6);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(watchdog);
      resolve({ killed: killed && signal === 'SIGKILL', killAfterMs, done, code, signal, fatal, stderr, acks });
    });
  });
}

/** Kill moments: a third within 5 ms of BOOT (mid-restore, mid-write), a third within 60 ms, a third later. */
function killDelay(rng: () => number): number {
  const r = rng();
  if (r < 1 / 3) return Math.floor(rng() * 5);
  if (r < 2 / 3) return 5 + Math.floor(rng() * 55);
  return 60 + Math.floor(rng() * 600);
}

describe('crash test: SIGKILL at random moments, restart, until every task is terminal', () => {
  it(`${TOTAL} tasks, at least ${KILLS} kills, nothing acknowledged lost`, async () => {
    const seed = process.env.WARDEN_CRASH_SEED ? Number(process.env.WARDEN_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-crash-'));
    const tag = `crash test seed=${seed} (rerun with WARDEN_CRASH_SEED=${seed}; data kept in ${base})`;
    const rng = mulberry32(seed);
    const dataDir = path.join(base, 'data');
    const sideFile = path.join(base, 'side-effects.txt');
    fs.writeFileSync(sideFile, '');
    const started = performance.now();

    const acked = new Map<number, string>();
    const ackConflicts: string[] = [];
    // Keys first acknowledged by a run that was then SIGKILLed: the ones a lost journal write would lose.
    const ackedBeforeKill = new Set<number>();
    let runAcks: number[] = [];
    const onAck = (i: number, id: string) => {
      const prev = acked.get(i);
      if (prev !== undefined && prev !== id) ackConflicts.push(`t${i}: ${prev} then ${id}`);
      if (prev === undefined) runAcks.push(i);
      acked.set(i, id);
    };

    const runs: RunResult[] = [];
    let kills = 0;
    for (let run = 0; run < MAX_RUNS; run++) {
      const killAfterMs = kills < KILLS ? killDelay(rng) : undefined;
      runAcks = [];
      const result = await runWorker(dataDir, sideFile, seed, run, killAfterMs, onAck);
      runs.push(result);
      if (result.killed) for (const i of runAcks) ackedBeforeKill.add(i);
      expect(result.fatal, `${tag}: run ${run} could not start: ${result.fatal}`).toBeUndefined();
      if (result.killed) {
        kills++;
        continue;
      }
      expect(result.code, `${tag}: run ${run} exited with ${result.code}/${result.signal}; stderr:\n${result.stderr}`).toBe(0);
      expect(result.done, tag).toBe(true);
      if (kills >= KILLS) break;
    }
    const spawnMs = performance.now() - started;
    expect(kills, `${tag}: only ${kills} kills landed`).toBeGreaterThanOrEqual(KILLS);
    expect(runs.at(-1)?.done, `${tag}: the last run did not finish`).toBe(true);
    expect(ackConflicts, `${tag}: a key was acknowledged with two ids`).toEqual([]);
    // The last run re-acknowledges every key, so acked.size says nothing about the killed runs: count theirs.
    expect(ackedBeforeKill.size, `${tag}: no key was acknowledged by a run that was then killed`).toBeGreaterThan(0);

    // Read the final state by starting Warden here, on the same dir. The agent is external so that
    // nothing runs: what it shows is what the last process left.
    const w = createWarden({ dataDir, logger: pino({ level: 'silent' }), agents: { w: {} } });
    await w.start();
    try {
      // A list, not a set: the same attempt run twice leaves the same line twice.
      const sideLines = fs.readFileSync(sideFile, 'utf8').split('\n').filter(Boolean);
      const side = new Set(sideLines);
      const tasks: Array<{ view: TaskView; history: TransitionRecord[] }> = [];
      for (let cursor: string | null | undefined = undefined; ; ) {
        const page = w.list({ limit: 1_000, ...(cursor ? { cursor } : {}) });
        for (const view of page.items) tasks.push({ view, history: w.history(view.id) });
        cursor = page.nextCursor;
        if (!cursor) break;
      }

      const problems: string[] = [];
      if (side.size !== sideLines.length) {
        const seen = new Set<string>();
        for (const line of sideLines) {
          if (seen.has(line)) problems.push(`the attempt "${line}" ran twice`);
          seen.add(line);
        }
      }
      for (const i of ackedBeforeKill) if (!w.get(acked.get(i) ?? '')) problems.push(`t${i}, acknowledged before a kill, is missing`);
      for (const [i, id] of acked) {
        const view = w.get(id);
        if (!view) problems.push(`acknowledged t${i} (${id}) is missing`);
        else if (view.idempotencyKey !== `t${i}`) problems.push(`${id} has key ${view.idempotencyKey}, expected t${i}`);
      }
      expect(tasks.length, `${tag}: one task per key`).toBe(TOTAL);

      let crashes = 0;
      let succeeded = 0;
      let escalated = 0;
      for (const { view, history } of tasks) {
        const { id } = view;
        if (view.status !== 'SUCCEEDED' && view.status !== 'ESCALATED') problems.push(`${id} is stuck in ${view.status}`);
        if (view.attempts > view.maxRetries + 1) problems.push(`${id} made ${view.attempts} attempts with maxRetries ${view.maxRetries}`);
        const wins = history.filter((r) => r.to === 'SUCCEEDED');
        if (view.status === 'SUCCEEDED') {
          succeeded++;
          if (wins.length !== 1) problems.push(`${id} has ${wins.length} SUCCEEDED records`);
          const line = `${id} ${wins[0]?.attempt}`;
          if (!side.has(line)) problems.push(`${id} succeeded in attempt ${wins[0]?.attempt} but the side-effect file has no "${line}"`);
        } else if (wins.length > 0) problems.push(`${id} is ${view.status} but has a SUCCEEDED record`);
        if (view.status === 'ESCALATED') {
          escalated++;
          // Every failure here is retryable (503, 429, a timeout, a crash): only a spent budget escalates.
          if (view.attempts !== view.maxRetries + 1) problems.push(`${id} escalated after ${view.attempts} of ${view.maxRetries + 1} attempts`);
          if (history.at(-1)?.to !== 'ESCALATED') problems.push(`${id} is ESCALATED but its last record goes to ${history.at(-1)?.to}`);
        }
        if (history[0]?.to !== 'PENDING' || history[0]?.from !== null) problems.push(`${id}'s history does not start with its submit`);
        for (let k = 1; k < history.length; k++) {
          const [prev, cur] = [history[k - 1]!, history[k]!];
          if (cur.from !== prev.to) problems.push(`${id}'s history jumps from ${prev.to} to a record from ${cur.from}`);
          if (cur.seq <= prev.seq) problems.push(`${id}'s history goes back in seq (${prev.seq} then ${cur.seq})`);
        }
        crashes += history.filter((r) => r.to === 'FAILED' && r.error?.kind === 'crash').length;
      }
      expect(problems.slice(0, 20), `${tag}: ${problems.length} problems`).toEqual([]);
      expect(crashes, `${tag}: no history shows a crash failure`).toBeGreaterThan(0);

      // A kill leaves at most one torn tail, and restore says so; the store raises nothing else here.
      const storeAlerts = w.alerts({ limit: 10_000 }).filter((a) => a.component === 'store');
      const torn = storeAlerts.length;
      for (const a of storeAlerts) expect(a.message, tag).toMatch(/skipped a torn last line at byte \d+ \(\d+ bytes\)/);
      expect(torn, `${tag}: more torn lines than kills`).toBeLessThanOrEqual(kills);
      const early = runs.filter((r) => r.killed && (r.killAfterMs ?? 99) < 5).length;
      console.log(
        `crash test seed=${seed}: ${runs.length} runs, ${kills} kills (${early} within 5 ms of BOOT), ${succeeded} SUCCEEDED, ${escalated} ESCALATED, ` +
          `${crashes} crash failures, ${torn} torn-line warnings, ${side.size} side effects; ${Math.round(spawnMs)} ms of processes`,
      );
    } finally {
      await w.stop();
    }
    fs.rmSync(base, { recursive: true, force: true });
  }, 170_000);
});
