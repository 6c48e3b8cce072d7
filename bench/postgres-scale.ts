// Does writing a transition cost more as the tables grow? One Warden process submits and runs no-op
// tasks on a PostgreSQL schema holding 10 finished tasks, then on one holding BENCH_PG_ROWS (default
// 1,000,000) finished tasks with a transition each (bulk-inserted by SQL); the ratio is printed.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { createWarden } from '../src/index.ts';
import { realClock } from '../src/runtime/clock.ts';
import { withDefaultUser } from '../src/store/postgres-connect.ts';
import { createPostgresStore } from '../src/store/postgres-store.ts';
import { fmtRate, fmtRatio, nowMs, table } from './util.ts';

const URL_ = process.env.BENCH_PG_URL ?? 'postgres://127.0.0.1/test';
const ROWS = Number(process.env.BENCH_PG_ROWS ?? 1_000_000);
const TASKS = Number(process.env.BENCH_PG_SCALE_TASKS ?? 3_000);

async function query(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDefaultUser(URL_) });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function fill(schema: string, rows: number) {
  const store = createPostgresStore({ connectionString: URL_, schema, node: 'fill', clock: realClock, maxAlerts: 1, onError: () => {} });
  await store.open();
  await store.close();
  const s = `"${schema}"`;
  await query(`INSERT INTO ${s}.tasks (id, agent, type, status, attempts, ctx, created_at, updated_at)
    SELECT 'old-' || g, 'noop', 'default', 'SUCCEEDED', 1, '{}'::jsonb, 0, 0 FROM generate_series(1, ${rows}) g`);
  await query(`INSERT INTO ${s}.transitions (node, n, task_id, line)
    SELECT 'fill', g, 'old-' || g, jsonb_build_object('n', g, 'r', jsonb_build_object('id', 'old-' || g, 'to', 'SUCCEEDED')) FROM generate_series(1, ${rows}) g`);
  await query(`ANALYZE ${s}.tasks; ANALYZE ${s}.transitions`);
}

async function rate(schema: string): Promise<number> {
  // maxFinishedInMemory 1: the rows already there are not read into memory at start (0 would hit a retention bug: see the note of issue 10).
  const w = createWarden({
    logger: pino({ level: 'silent' }),
    store: { postgres: { connectionString: URL_, schema } },
    node: 'bench',
    maxFinishedInMemory: 1,
    agents: { noop: { concurrency: 500, run: async () => 1 } },
  });
  await w.start();
  const t0 = nowMs();
  for (let i = 0; i < TASKS; i += 500) {
    const ids = await Promise.all(Array.from({ length: Math.min(500, TASKS - i) }, () => w.submit({ agent: 'noop' })));
    await Promise.all(ids.map((r) => w.result(r.id)));
  }
  const r = TASKS / ((nowMs() - t0) / 1000);
  await w.stop();
  return r;
}

export async function writeCostBench(): Promise<void> {
  console.log(`\nPostgreSQL write cost as the tables grow (${TASKS.toLocaleString('en-US')} no-op tasks, one process, submit + run)`);
  const small = `warden_bench_${randomBytes(4).toString('hex')}`;
  const big = `warden_bench_${randomBytes(4).toString('hex')}`;
  try {
    const t0 = nowMs();
    await fill(small, 10);
    await fill(big, ROWS);
    const filled = (nowMs() - t0) / 1000;
    const a = await rate(small);
    const b = await rate(big);
    console.log(
      table(
        ['rows already in tasks and transitions', 'tasks/s'],
        [
          ['10', fmtRate(a)],
          [ROWS.toLocaleString('en-US'), fmtRate(b)],
          [`ratio ${ROWS.toLocaleString('en-US')} / 10`, fmtRatio(b / a)],
        ],
      ),
    );
    console.log(`  (filling took ${filled.toFixed(1)} s)`);
  } finally {
    await query(`DROP SCHEMA IF EXISTS "${small}" CASCADE; DROP SCHEMA IF EXISTS "${big}" CASCADE`).catch(() => {});
  }
}
