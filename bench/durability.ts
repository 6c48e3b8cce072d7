// Durability figures for `npm run bench` (issue 4): the task lifecycle rate with the journal written
// ('write') and synced ('fsync') as ratios to the in-memory rate, and — in a child process, so RSS is
// not polluted by the runs before it — the RSS of 100,000 live tasks and the time to restore them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createWarden, type Warden } from '../src/index.ts';
import { workload, type Variant } from './workload.ts';
import { fmtBytes, fmtRate, fmtRatio, median, nowMs, settle, table } from './util.ts';

/** 'memory' here is `persist: false` (createWarden treats `durability: 'memory'` the same way). */
type Mode = 'memory' | 'write' | 'fsync';
const MODES: readonly Mode[] = ['memory', 'write', 'fsync'];

const logger = pino({ level: 'silent' });

/** Quoted from issue 4 for scale: BullMQ with a local Redis (AOF everysec) on this machine. Not measured here. */
const BULLMQ: Record<Variant, number> = { succeed: 5_600, failOnce: 2_000 };

interface Sample {
  wall: number;
  cpu: number;
  /** journal segments left on disk after stop(), minus the final snapshot's = snapshots taken during
   * the run (each one rotates the journal) */
  snapshots: number;
  journalBytes: number;
  snapshotBytes: number;
}

function makeWarden(variant: Variant, mode: Mode, dataDir: string | undefined): Warden {
  return createWarden({
    ...(mode === 'memory' ? { persist: false } : { persist: true, durability: mode, dataDir }),
    ...workload(variant, logger),
  });
}

function diskUsage(dir: string): Pick<Sample, 'snapshots' | 'journalBytes' | 'snapshotBytes'> {
  let snapshots = 0;
  let journalBytes = 0;
  let snapshotBytes = 0;
  for (const f of fs.readdirSync(dir)) {
    const size = fs.statSync(path.join(dir, f)).size;
    if (f === 'state.json') snapshotBytes = size;
    if (!f.startsWith('journal')) continue;
    journalBytes += size;
    if (f !== 'journal.jsonl') snapshots++;
  }
  return { snapshots: Math.max(0, snapshots - 1), journalBytes, snapshotBytes };
}

/** One run on a fresh temp data dir (removed after). Timed from the first submit to the last result,
 * like the main bench's Warden rows: start() and stop() (the final snapshot) are outside the clock. */
async function run(variant: Variant, mode: Mode, n: number, batch: number): Promise<Sample> {
  const dir = mode === 'memory' ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), `warden-bench-${mode}-`));
  try {
    const w = makeWarden(variant, mode, dir);
    await w.start();
    let ok = 0;
    const one = async () => {
      const { id } = await w.submit({ agent: 'noop' });
      if ((await w.result(id)) === 1) ok++;
    };
    const c0 = process.cpuUsage();
    const t0 = nowMs();
    for (let done = 0; done < n; done += batch) {
      const size = Math.min(batch, n - done);
      const all: Promise<void>[] = new Array(size);
      for (let i = 0; i < size; i++) all[i] = one();
      await Promise.all(all);
    }
    const wallMs = nowMs() - t0;
    const c = process.cpuUsage(c0);
    await w.stop();
    const disk = dir ? diskUsage(dir) : { snapshots: 0, journalBytes: 0, snapshotBytes: 0 };
    if (ok !== n) console.error(`warden ${variant} ${mode}: ${ok} of ${n} tasks SUCCEEDED with output 1`);
    return { wall: (n / wallMs) * 1000, cpu: (n / (c.user + c.system)) * 1e6, ...disk };
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface DurabilityOptions {
  tasks: number;
  failTasks: number;
  batch: number;
  runs: number;
  /** BullMQ's rates measured in this run (bench/bullmq.ts); absent when Redis was not reachable */
  peer?: Record<Variant, number> | undefined;
}

export async function lifecycleDurability(o: DurabilityOptions): Promise<void> {
  const sizes: Record<Variant, number> = { succeed: o.tasks, failOnce: o.failTasks };
  // Warm-up: every mode once at a smaller size (the JIT has seen the in-memory paths already).
  for (const variant of ['succeed', 'failOnce'] as const) {
    for (const mode of MODES) await run(variant, mode, Math.max(o.batch, Math.floor(sizes[variant] / 4)), o.batch);
  }
  const samples = {} as Record<Variant, Record<Mode, Sample[]>>;
  for (const v of ['succeed', 'failOnce'] as const) samples[v] = { memory: [], write: [], fsync: [] };
  // Interleaved, so drift (other load on the machine) spreads evenly over the modes.
  for (let r = 0; r < o.runs; r++) {
    for (const variant of ['succeed', 'failOnce'] as const) {
      for (const mode of MODES) {
        await settle();
        samples[variant][mode].push(await run(variant, mode, sizes[variant], o.batch));
      }
    }
  }

  const rows: string[][] = [];
  const notes: string[] = [];
  for (const variant of ['succeed', 'failOnce'] as const) {
    const mem = median(samples[variant].memory.map((s) => s.wall));
    const memCpu = median(samples[variant].memory.map((s) => s.cpu));
    for (const mode of MODES) {
      const s = samples[variant][mode];
      const wall = median(s.map((x) => x.wall));
      const cpu = median(s.map((x) => x.cpu));
      const ref = o.peer?.[variant] ?? BULLMQ[variant];
      const target = mode === 'write' ? `≥ ${fmtRate(3 * ref)}` : mode === 'fsync' ? '≥ 5,000' : '';
      rows.push([
        mode === 'memory' ? (variant === 'succeed' ? 'no-op: submit → result() SUCCEEDED' : 'fail once, then succeed') : '',
        mode === 'memory' ? 'memory (persist: false)' : mode,
        fmtRate(wall),
        `${fmtRate(Math.min(...s.map((x) => x.wall)))}–${fmtRate(Math.max(...s.map((x) => x.wall)))}`,
        fmtRatio(wall / mem),
        (1e6 / cpu).toFixed(1),
        fmtRatio(cpu / memCpu),
        mode === 'memory' ? '' : fmtRate(ref),
        target,
        mode === 'memory' ? '' : fmtRatio(wall / ref),
      ]);
      if (mode !== 'memory') {
        const n = sizes[variant];
        notes.push(
          `  ${variant === 'succeed' ? 'no-op' : 'fail-once'}, ${mode}: per run ${median(s.map((x) => x.snapshots))} snapshots during the run, ` +
            `journal ${fmtBytes(median(s.map((x) => x.journalBytes)) / n)}/task, ` +
            `state.json after stop() ${fmtBytes(median(s.map((x) => x.snapshotBytes)))} (medians)`,
        );
      }
    }
  }
  console.log(
    `\nDurability: lifecycle rate, ${o.tasks.toLocaleString('en-US')} tasks per run (fail-once: ${o.failTasks.toLocaleString('en-US')}), ` +
      `${o.batch.toLocaleString('en-US')} in flight, median of ${o.runs} runs after a warm-up; ` +
      `each durable run on a fresh data dir under ${os.tmpdir()} (removed after), default snapshot settings`,
  );
  console.log(
    table(
      ['bench', 'durability', 'ops/s (median)', 'min–max', 'vs in-memory', 'CPU µs/op', 'vs in-memory by CPU', 'BullMQ* ops/s', 'target ops/s', 'vs BullMQ*'],
      rows,
    ),
  );
  for (const n of notes) console.log(n);
  // One failure and a retry against a whole successful task: cost per task is 1 / rate.
  const costs = MODES.map((mode) => {
    const rate = (v: Variant) => median(samples[v][mode].map((x) => x.wall));
    return `${mode} ${(rate('succeed') / rate('failOnce')).toFixed(2)}×`;
  });
  console.log(`  Warden fail-once cost / no-op cost (target ≤ 2.5×): ${costs.join(', ')}`);
  console.log(
    o.peer
      ? '  * BullMQ with the local Redis (AOF everysec), measured in this run by bench/bullmq.ts (table above).\n' +
          '    Targets (not asserted): write ≥ 3 × BullMQ, fsync ≥ 5,000 tasks/s.'
      : '  * BullMQ with a local Redis (AOF everysec), as quoted in issue 4 for this machine: reference numbers, NOT measured\n' +
        '    in this run. Targets from issue 4 (not asserted): write ≥ 3 × BullMQ, fsync ≥ 5,000 tasks/s.',
  );
}

/** Runs bench/restore.ts in a fresh `node --expose-gc` and lets it print: the persisted warden, then
 * the same fill with `persist: false` for comparison. */
export async function restoreInChild(live: number): Promise<void> {
  await child([String(live)]);
  await child([String(live), 'memory']);
  // Most of the RSS over the live heap is old space V8 grew for short-lived XState step objects: its
  // allocation-site pretenuring puts them in the old generation, where they keep young ones alive
  // until a full GC. Without it the same fill costs much less RSS (and some throughput): shown
  // side by side, as an operator's knob (NODE_OPTIONS), not a default.
  await child([String(live)], ['--no-allocation-site-pretenuring']);
  await child([String(live), 'memory'], ['--no-allocation-site-pretenuring']);
}

function child(args: string[], v8Flags: string[] = []): Promise<void> {
  const script = fileURLToPath(new URL('./restore.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...v8Flags, '--import', 'tsx', script, ...args], {
      stdio: 'inherit',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        console.error(`bench/restore.ts ${args.join(' ')} exited with ${signal ?? `code ${code}`}`);
        resolve();
      }
    });
  });
}
