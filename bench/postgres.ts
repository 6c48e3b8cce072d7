// The PostgreSQL bench (issue 10): tasks/s drained by 1, 2 and 3 Warden processes sharing one
// PostgreSQL schema, next to pg-boss (same database, same run, its own schema) with as many
// processes, and the file store (one process, submit + run). No-op and fail-once tasks.
// The tasks are submitted before the workers are told to go; the clock runs from GO until every
// task is finished (so Warden's start(), which restores them, counts, as pg-boss's start does).
// Then bench/postgres-scale.ts: the write rate with 10 vs BENCH_PG_ROWS (default 1,000,000) rows in the tables.
// Knobs: BENCH_PG_TASKS (default 5000; fail-once runs take half), BENCH_PG_URL (default
// postgres://127.0.0.1/test). Skipped with one line when PostgreSQL does not answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { pino } from 'pino';
import { createWarden } from '../src/index.ts';
import { withDefaultUser } from '../src/store/postgres-connect.ts';
import { writeCostBench } from './postgres-scale.ts';
import { fmtRate, fmtRatio, nowMs, table } from './util.ts';
import type { Variant } from './workload.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const TASKS = Number(process.env.BENCH_PG_TASKS ?? (QUICK ? 2_000 : 5_000));
const URL_ = process.env.BENCH_PG_URL ?? 'postgres://127.0.0.1/test';
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'postgres-worker.ts');
const QUEUE = 'bench';
type System = 'warden' | 'pgboss';

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: withDefaultUser(URL_), connectionTimeoutMillis: 2_000 });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

function spawnWorker(args: string[], env: Record<string, string> = {}): { child: ChildProcess; booted: Promise<void>; line: (prefix: string) => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiters: Array<{ prefix: string; resolve: (l: string) => void }> = [];
  lines.on('line', (l) => {
    if (l.startsWith('FATAL')) {
      console.error(`  worker: ${l}`);
      process.exit(1);
    }
    for (const w of waiters.splice(0)) (l.startsWith(w.prefix) ? w.resolve(l) : waiters.push(w));
  });
  const line = (prefix: string) => new Promise<string>((resolve) => waiters.push({ prefix, resolve }));
  return { child, booted: line('BOOTED').then(() => undefined), line };
}

async function submitWarden(schema: string, variant: Variant, n: number) {
  // A front process without the agent: every task lands in the pool, unclaimed.
  const front = createWarden({ logger: pino({ level: 'silent' }), store: { postgres: { connectionString: URL_, schema } }, node: 'front', agents: { front: { run: async () => 1 } } });
  await front.start();
  for (let i = 0; i < n; i += 1_000) await Promise.all(Array.from({ length: Math.min(1_000, n - i) }, () => front.submit({ agent: 'noop', input: { variant } })));
  await front.stop();
}

async function submitPgBoss(schema: string, n: number) {
  const boss = new PgBoss({ connectionString: withDefaultUser(URL_), schema, max: 3, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(QUEUE);
  for (let i = 0; i < n; i += 1_000) {
    await boss.insert(Array.from({ length: Math.min(1_000, n - i) }, () => ({ name: QUEUE, data: {}, retryLimit: 1, retryDelay: 0 })));
  }
  await boss.stop({ graceful: false, wait: true });
}

function finished(system: System, schema: string): Promise<number> {
  const q =
    system === 'warden'
      ? `SELECT count(*)::int AS n FROM "${schema}".tasks WHERE status IN ('SUCCEEDED', 'ESCALATED')`
      : `SELECT count(*)::int AS n FROM "${schema}".job WHERE name = '${QUEUE}' AND state = 'completed'`;
  return sql<{ n: number }>(q).then((r) => r[0]?.n ?? 0);
}

/** One run: tasks per second drained by `procs` processes of `system`. */
export async function run(system: System, variant: Variant, procs: number): Promise<number> {
  const schema = `warden_bench_${randomBytes(4).toString('hex')}`;
  const n = variant === 'succeed' ? TASKS : Math.floor(TASKS / 2);
  const workers: ReturnType<typeof spawnWorker>[] = [];
  try {
    if (system === 'warden') await submitWarden(schema, variant, n);
    else await submitPgBoss(schema, n);
    for (let i = 0; i < procs; i++) workers.push(spawnWorker([system, variant, URL_, schema, `w${i}`]));
    await Promise.all(workers.map((w) => w.booted));
    const t0 = nowMs();
    for (const w of workers) w.child.stdin?.write('GO\n');
    for (let done = 0; done < n; await new Promise((r) => setTimeout(r, 20))) {
      done = await finished(system, schema);
      if (nowMs() - t0 > 60_000) throw new Error(`${system} ×${procs} ${variant}: only ${done} of ${n} done after 60 s`);
    }
    const rate = n / ((nowMs() - t0) / 1000);
    if (system === 'warden') {
      const esc = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".tasks WHERE status = 'ESCALATED'`);
      if ((esc[0]?.n ?? 0) > 0) console.log(`  note: warden ×${procs} ${variant}: ${esc[0]?.n} tasks ESCALATED (a store write failed at their attempt's start)`);
    }
    return rate;
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  }
}

async function fileRun(variant: Variant): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-file-'));
  const n = variant === 'succeed' ? TASKS : Math.floor(TASKS / 2);
  try {
    const w = spawnWorker(['file', variant, '', '', 'file', dir], { BENCH_PG_TASKS: String(n) });
    await w.booted;
    const done = w.line('DONE');
    w.child.stdin?.write('GO\n');
    const ms = Number((await done).split(' ')[1]);
    w.child.kill('SIGKILL');
    return n / (ms / 1000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function postgresBench(): Promise<void> {
  console.log(`\nPostgreSQL: tasks/s drained by N processes on one database (${TASKS.toLocaleString('en-US')} no-op, ${Math.floor(TASKS / 2).toLocaleString('en-US')} fail-once tasks; one run each)`);
  try {
    await sql('SELECT 1');
  } catch (err) {
    console.log(`  skipped: no PostgreSQL at ${URL_} (${err instanceof Error ? err.message : String(err)}); set BENCH_PG_URL`);
    return;
  }
  const rows: string[][] = [];
  const started = nowMs();
  for (const variant of ['succeed', 'failOnce'] as const) {
    const rates: Record<System, number[]> = { warden: [], pgboss: [] };
    for (const procs of [1, 2, 3]) {
      for (const system of ['warden', 'pgboss'] as const) rates[system].push(await run(system, variant, procs));
    }
    const file = await fileRun(variant);
    for (let i = 0; i < 3; i++) {
      const w = rates.warden[i] ?? 0;
      const b = rates.pgboss[i] ?? 0;
      rows.push([variant === 'succeed' ? 'no-op' : 'fail-once', String(i + 1), fmtRate(w), fmtRate(b), fmtRatio(w / b), fmtRatio(w / (rates.warden[0] ?? 1))]);
    }
    rows.push([variant === 'succeed' ? 'no-op' : 'fail-once', 'file store, 1', fmtRate(file), '', '', '']);
  }
  console.log(table(['tasks', 'processes', 'Warden on PostgreSQL', 'pg-boss', 'Warden / pg-boss', 'Warden / 1 process'], rows));
  console.log(`  (pg-boss ${JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/pg-boss/package.json'), 'utf8')).version}: 4 fetch loops of 50 jobs per process, polling 0.5 s; Warden: agent concurrency 200 per process. File store row: one process submitting and running its own tasks. ${((nowMs() - started) / 1000).toFixed(1)} s)`);
  await writeCostBench();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await postgresBench();
