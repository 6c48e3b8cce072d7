// `npm run bench`: Warden's task throughput next to baselines measured in the same run, the heap
// cost of a live task, and whether recording a transition slows down as live tasks pile up.
// Prints figures only; asserts nothing.
//
// Environment knobs (all optional): BENCH_TASKS (tasks per throughput run, default 20000),
// BENCH_FAIL_TASKS (tasks per fail-once run, default half of BENCH_TASKS),
// BENCH_BATCH (tasks in flight, default 1000), BENCH_RUNS (measured runs, default 5),
// BENCH_LIVE (live tasks for the heap figure, default 100000).
// Durability (bench/durability.ts, bench/restore.ts): BENCH_DUR_TASKS (tasks per durable no-op run,
// default 5000), BENCH_DUR_FAIL_TASKS (default half of that), BENCH_DUR_RUNS (default 3),
// BENCH_RESTORE_LIVE (live tasks for the RSS and restore figures, default 100000).
// BullMQ peer (bench/bullmq.ts): the same durable task counts against Redis at BENCH_REDIS_HOST:BENCH_REDIS_PORT
// (default 127.0.0.1:6379); skipped with one line when Redis is not reachable.
// PostgreSQL (bench/postgres.ts): BENCH_PG_TASKS (default 5000), BENCH_PG_URL (default postgres://127.0.0.1/test);
// skipped with one line when PostgreSQL does not answer.
// BENCH_QUICK=1 shrinks every default (a smoke run, figures rough).
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import { createActor, fromPromise, setup, toPromise } from 'xstate';
import { createWarden, type Warden } from '../src/index.ts';
import { allocationBench } from './allocation.ts';
import { bullmqPeer } from './bullmq.ts';
import { postgresBench } from './postgres.ts';
import { lifecycleDurability, restoreInChild } from './durability.ts';
import { workload, type Variant } from './workload.ts';
import { fmtBytes, fmtRate, fmtRatio, gc, gcSource, median, nowMs, settle, table } from './util.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const TASKS = envInt('BENCH_TASKS', QUICK ? 4_000 : 20_000);
const BATCH = envInt('BENCH_BATCH', 1_000);
const RUNS = envInt('BENCH_RUNS', QUICK ? 2 : 5);
/** the fail-once variant does two attempts a task: half as many tasks keeps the bench under ~2 minutes */
const FAIL_TASKS = envInt('BENCH_FAIL_TASKS', Math.max(BATCH, Math.floor(TASKS / 2)));
const LIVE = envInt('BENCH_LIVE', QUICK ? 20_000 : 100_000);
/** durable runs: 3 modes × 2 variants each, so smaller than the main rows to stay within ~3 minutes in all */
const DUR_TASKS = envInt('BENCH_DUR_TASKS', QUICK ? 2_000 : 5_000);
const DUR_FAIL_TASKS = envInt('BENCH_DUR_FAIL_TASKS', Math.max(BATCH, Math.floor(DUR_TASKS / 2)));
const DUR_RUNS = envInt('BENCH_DUR_RUNS', QUICK ? 1 : 3);
const RESTORE_LIVE = envInt('BENCH_RESTORE_LIVE', QUICK ? 20_000 : 100_000);
const SMALL_LIVE = 1_000;
/** submit + cancel pairs per transition-rate sample (3 records each: PENDING, ASSIGNED, CANCELLED) */
const CHURN = 2_000;
const CHURN_RUNS = 5;
const BARE_CALLS = 1_000_000;

const logger = pino({ level: 'silent' });
const fn = async () => 1;

function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

// ---------------------------------------------------------------------------------------------------
// Throughput benches: each returns one run's rate by the wall clock and per CPU-second
// ---------------------------------------------------------------------------------------------------

/** One run: ops per wall-clock second, and ops per second of this process's CPU time (all threads,
 * so GC helper threads count). The CPU rate holds up better when other processes share the cores. */
interface Sample {
  wall: number;
  cpu: number;
}

function stopwatch(): (ops: number) => Sample {
  const c0 = process.cpuUsage();
  const t0 = nowMs();
  return (ops) => {
    const wallMs = nowMs() - t0;
    const c = process.cpuUsage(c0);
    return { wall: (ops / wallMs) * 1000, cpu: (ops / (c.user + c.system)) * 1e6 };
  };
}

async function bareCalls(n: number): Promise<Sample> {
  let sum = 0;
  const done = stopwatch();
  for (let i = 0; i < n; i++) sum += await fn();
  const sample = done(n);
  if (sum !== n) console.error(`bare call: sum ${sum} != ${n}`);
  return sample;
}

const bareMachine = setup({ actors: { work: fromPromise(() => fn()) } }).createMachine({
  id: 'bare',
  initial: 'running',
  states: {
    running: { invoke: { src: 'work', onDone: 'done' } },
    done: { type: 'final' },
  },
});

async function bareXState(n: number, batch: number): Promise<Sample> {
  const done = stopwatch();
  for (let done = 0; done < n; done += batch) {
    const size = Math.min(batch, n - done);
    const all: Promise<unknown>[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const actor = createActor(bareMachine);
      actor.start();
      all[i] = toPromise(actor);
    }
    await Promise.all(all);
  }
  return done(n);
}

function makeWarden(variant: Variant): Warden {
  return createWarden({ persist: false, ...workload(variant, logger) });
}

async function wardenRun(variant: Variant, n: number, batch: number): Promise<Sample> {
  const w = makeWarden(variant);
  await w.start();
  let ok = 0;
  const one = async () => {
    const { id } = await w.submit({ agent: 'noop' });
    if ((await w.result(id)) === 1) ok++;
  };
  const finish = stopwatch();
  for (let done = 0; done < n; done += batch) {
    const size = Math.min(batch, n - done);
    const all: Promise<void>[] = new Array(size);
    for (let i = 0; i < size; i++) all[i] = one();
    await Promise.all(all);
  }
  const sample = finish(n);
  await w.stop();
  if (ok !== n) console.error(`warden ${variant}: ${ok} of ${n} tasks SUCCEEDED with output 1`);
  return sample;
}

// ---------------------------------------------------------------------------------------------------
// Live tasks: heap per task, transition-recording rate at 1k vs 100k live
// ---------------------------------------------------------------------------------------------------

/** An external agent with one slot: the first task sits IN_PROGRESS (no heartbeat check, so no
 * timer), every other task waits ASSIGNED in the agent's queue. */
async function externalWarden(): Promise<Warden> {
  const w = createWarden({ persist: false, agents: { ext: { concurrency: 1 } }, logger });
  await w.start();
  return w;
}

async function fill(w: Warden, n: number): Promise<void> {
  for (let done = 0; done < n; done += BATCH) {
    const size = Math.min(BATCH, n - done);
    const all: Promise<unknown>[] = new Array(size);
    for (let i = 0; i < size; i++) all[i] = w.submit({ agent: 'ext' });
    await Promise.all(all);
  }
}

/** Records per second while submitting and cancelling `pairs` extra tasks (the live count stays put),
 * and the share of that time spent in garbage collection. */
async function churn(w: Warden, pairs: number): Promise<{ rate: number; gcShare: number }> {
  let records = 0;
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const off = w.on('transition', () => {
    records++;
  });
  const t0 = nowMs();
  for (let i = 0; i < pairs; i++) {
    const { id } = await w.submit({ agent: 'ext' });
    await w.cancel(id);
  }
  const dt = nowMs() - t0;
  off();
  await new Promise((r) => setTimeout(r, 20)); // gc entries are delivered on a later turn
  obs.disconnect();
  return { rate: (records / dt) * 1000, gcShare: gcMs / dt };
}

function liveSummary(w: Warden): string {
  const by = w.health().tasks.byStatus;
  return Object.entries(by)
    .filter(([s, c]) => c > 0 && s !== 'CANCELLED')
    .map(([s, c]) => `${c.toLocaleString('en-US')} ${s}`)
    .join(' + ');
}

// ---------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------

async function main() {
  const started = nowMs();
  console.log(
    `Warden bench — node ${process.version}, ${os.cpus().length} CPUs, gc: ${gcSource}` +
      (gc ? '' : ' (heap figures are rough without gc)'),
  );

  // Warm-up: every code path once, at a smaller size, so the JIT has seen it before measuring.
  const warm = Math.max(BATCH, Math.floor(TASKS / 4));
  await bareCalls(BARE_CALLS / 10);
  await bareXState(warm, BATCH);
  await wardenRun('succeed', warm, BATCH);
  await wardenRun('failOnce', Math.max(BATCH, Math.floor(warm / 2)), BATCH);

  // Measured runs, interleaved so drift (thermal, other load) spreads evenly over the benches.
  const samples = { bare: [] as Sample[], xstate: [] as Sample[], succeed: [] as Sample[], failOnce: [] as Sample[] };
  for (let r = 0; r < RUNS; r++) {
    await settle();
    samples.bare.push(await bareCalls(BARE_CALLS));
    await settle();
    samples.xstate.push(await bareXState(TASKS, BATCH));
    await settle();
    samples.succeed.push(await wardenRun('succeed', TASKS, BATCH));
    await settle();
    samples.failOnce.push(await wardenRun('failOnce', FAIL_TASKS, BATCH));
  }
  const wall = (s: Sample[]) => median(s.map((x) => x.wall));
  const cpu = (s: Sample[]) => median(s.map((x) => x.cpu));
  const bare = wall(samples.bare);
  const xs = wall(samples.xstate);
  const xsCpu = cpu(samples.xstate);
  const spread = (xs: number[]) => `${fmtRate(Math.min(...xs))}–${fmtRate(Math.max(...xs))}`;
  const us = (rate: number) => (1e6 / rate).toFixed(rate > 1e6 ? 3 : 1);
  const row = (name: string, s: Sample[], vsX: boolean) => {
    const m = wall(s);
    const c = cpu(s);
    return [
      name,
      fmtRate(m),
      spread(s.map((x) => x.wall)),
      us(m),
      vsX ? fmtRatio(m / xs) : '',
      fmtRatio(m / bare),
      us(c),
      vsX ? fmtRatio(c / xsCpu) : '',
    ];
  };

  console.log(
    `\nThroughput: ${TASKS.toLocaleString('en-US')} tasks per run (fail-once: ${FAIL_TASKS.toLocaleString('en-US')}), ` +
      `${BATCH.toLocaleString('en-US')} in flight, ` +
      `median of ${RUNS} runs after a warm-up (bare call: ${BARE_CALLS.toLocaleString('en-US')} sequential awaits)`,
  );
  console.log(
    table(
      ['bench', 'ops/s (median)', 'min–max', 'µs/op', 'vs bare XState (target ≥ 0.80×)', 'vs bare call', 'CPU µs/op', 'vs XState by CPU'],
      [
        row('bare `await fn()` loop', samples.bare, false),
        row('bare XState actor lifecycle', samples.xstate, true),
        row('Warden submit → result() SUCCEEDED', samples.succeed, true),
        row('Warden fail once, then succeed', samples.failOnce, true),
      ],
    ),
  );
  console.log(
    '  CPU µs/op: this process\'s CPU time (all threads, GC included) per op; steadier than the wall clock when\n' +
      `  other processes share the cores. Load average at the end of this part: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );

  await settle();
  await allocationBench({
    n: QUICK ? 2_000 : 10_000,
    bareXState: (n) => bareXState(n, Math.min(BATCH, n)),
    warden: (n) => wardenRun('succeed', n, Math.min(BATCH, n)),
  });

  // Live tasks.
  const small = await externalWarden();
  await fill(small, SMALL_LIVE);
  await churn(small, CHURN); // warm-up: the 1,000-live samples come first and must not pay for the JIT
  // One collection before the samples, none between them: at 100,000 live a full GC takes ~1.5 s
  // here, and the collector's share of the work is part of what holding many live tasks costs.
  await settle();
  const smallRuns: Array<{ rate: number; gcShare: number }> = [];
  for (let i = 0; i < CHURN_RUNS; i++) smallRuns.push(await churn(small, CHURN));
  const smallLive = liveSummary(small);
  await small.stop();

  await settle(2);
  const big = await externalWarden();
  await settle(2);
  const heap0 = process.memoryUsage().heapUsed;
  const tFill = nowMs();
  await fill(big, LIVE);
  const fillMs = nowMs() - tFill;
  await settle(2);
  const heap1 = process.memoryUsage().heapUsed;
  const perTask = (heap1 - heap0) / LIVE;
  const bigRuns: Array<{ rate: number; gcShare: number }> = [];
  for (let i = 0; i < CHURN_RUNS; i++) bigRuns.push(await churn(big, CHURN));
  const bigLive = liveSummary(big);
  await big.stop();

  const smallRates = smallRuns.map((r) => r.rate);
  const bigRates = bigRuns.map((r) => r.rate);
  const smallRate = median(smallRates);
  const bigRate = median(bigRates);
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const smallGc = median(smallRuns.map((r) => r.gcShare));
  const bigGc = median(bigRuns.map((r) => r.gcShare));
  console.log(`\nLive tasks (external agent, concurrency 1: one IN_PROGRESS, the rest queued ASSIGNED)`);
  console.log(
    table(
      ['figure', 'value'],
      [
        [`heap per live task (${LIVE.toLocaleString('en-US')} live)`, fmtBytes(perTask)],
        [`heap for all ${LIVE.toLocaleString('en-US')}`, fmtBytes(heap1 - heap0)],
        [`submit rate while filling to ${LIVE.toLocaleString('en-US')}`, `${fmtRate((LIVE / fillMs) * 1000)} tasks/s`],
        [`transitions recorded/s, ${SMALL_LIVE.toLocaleString('en-US')} live`, `${fmtRate(smallRate)} (${spread(smallRates)})`],
        [`transitions recorded/s, ${LIVE.toLocaleString('en-US')} live`, `${fmtRate(bigRate)} (${spread(bigRates)})`],
        [`ratio ${LIVE.toLocaleString('en-US')} live / ${SMALL_LIVE.toLocaleString('en-US')} live`, fmtRatio(bigRate / smallRate)],
        [`time in GC while recording, ${SMALL_LIVE.toLocaleString('en-US')} / ${LIVE.toLocaleString('en-US')} live`, `${pct(smallGc)} / ${pct(bigGc)}`],
      ],
    ),
  );
  console.log(`  small table: ${smallLive}; big table: ${bigLive}`);
  console.log(
    `  (transition rate: ${CHURN_RUNS} samples of ${CHURN.toLocaleString('en-US')} submit + cancel pairs, ` +
      `3 records each, median; persist: false, so no journal write)`,
  );

  // Durability (issue 4): lifecycle rates with the journal, then RSS and restore in a child process.
  await settle();
  // The peer first, on an idle process, then Warden's durable rates as ratios to it.
  const peer = await bullmqPeer({ tasks: DUR_TASKS, failTasks: DUR_FAIL_TASKS, runs: DUR_RUNS });
  await settle();
  await lifecycleDurability({ tasks: DUR_TASKS, failTasks: DUR_FAIL_TASKS, batch: BATCH, runs: DUR_RUNS, peer });
  await restoreInChild(RESTORE_LIVE);
  // Past one machine (issue 10): N processes on one PostgreSQL next to pg-boss on the same database.
  await settle();
  await postgresBench();

  console.log(`\nTotal bench time: ${((nowMs() - started) / 1000).toFixed(1)} s`);
}

await main();
