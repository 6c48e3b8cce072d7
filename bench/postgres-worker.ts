// One worker process of the PostgreSQL bench (bench/postgres.ts), run as
//   node --import tsx bench/postgres-worker.ts <system> <variant> <connectionString> <schema> <node> [dataDir]
// system `warden` (PostgreSQL store), `file` (the file store in dataDir) or `pgboss`. It prints BOOTED,
// waits for GO on stdin, then starts (Warden's start() restores the tasks already submitted; pg-boss
// starts its workers) and works until it is killed. `file` submits the tasks itself and prints
// DONE <ms> once all are done. variant `succeed` is a no-op; `failOnce` fails
// each task's first attempt.
import { createInterface } from 'node:readline';
import PgBoss from 'pg-boss';
import { pino } from 'pino';
import { createWarden } from '../src/index.ts';
import { withDefaultUser } from '../src/store/postgres-connect.ts';
import { workload, type Variant } from './workload.ts';

const [system, variantArg, cs, schema, node, dataDir] = process.argv.slice(2);
const variant = variantArg as Variant;
export const QUEUE = 'bench';

async function go(): Promise<void> {
  if (system === 'pgboss') {
    const boss = new PgBoss({ connectionString: withDefaultUser(cs ?? ''), schema, max: 5, supervise: false, schedule: false, migrate: false });
    boss.on('error', () => {});
    await boss.start();
    // pg-boss's own throughput setup: a few fetch loops per process, each taking a batch at a time.
    for (let i = 0; i < 4; i++) {
      await boss.work<object>(QUEUE, { batchSize: 50, pollingIntervalSeconds: 0.5, includeMetadata: true }, async (jobs) => {
        const failing = variant === 'failOnce' ? jobs.filter((j) => j.retryCount === 0).map((j) => j.id) : [];
        if (failing.length > 0) await boss.fail(QUEUE, failing);
      });
    }
    return;
  }
  const w = workload(variant, pino({ level: 'silent' }));
  const warden = createWarden({
    ...w,
    agents: { noop: { ...w.agents.noop, concurrency: 200 } },
    ...(system === 'file' ? { dataDir } : { store: { postgres: { connectionString: cs ?? '', schema } }, node, leaseMs: 15_000 }),
  });
  await warden.start();
  if (system !== 'file') return;
  // The file store is one process: it submits its tasks itself and reports when all are done.
  const total = Number(process.env.BENCH_PG_TASKS ?? 5_000);
  const t0 = performance.now();
  for (let i = 0; i < total; i += 1_000) {
    const ids = await Promise.all(Array.from({ length: Math.min(1_000, total - i) }, () => warden.submit({ agent: 'noop' })));
    await Promise.all(ids.map((r) => warden.result(r.id)));
  }
  process.stdout.write(`DONE ${performance.now() - t0}\n`);
  await warden.stop();
}

process.stdout.write('BOOTED\n');
createInterface({ input: process.stdin }).once('line', () => {
  go().catch((err: unknown) => {
    process.stdout.write(`FATAL ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
});
