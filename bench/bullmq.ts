// The peer bench (issue 9, "Speed"): BullMQ against the local Redis, in the same run as Warden's
// durable rates, so the ratios Warden / BullMQ compare like with like on this machine. No-op jobs and
// fail-once-then-succeed jobs (2 attempts, retried at once), worker concurrency 100.
// Redis is asked for AOF with appendfsync everysec (BullMQ's usual durable setup) and put back after.
import net from 'node:net';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Variant } from './workload.ts';
import { fmtRate, median, nowMs, settle, table } from './util.ts';

const HOST = process.env.BENCH_REDIS_HOST ?? '127.0.0.1';
const PORT = Number(process.env.BENCH_REDIS_PORT ?? 6379);
const CONCURRENCY = 100;
/** unique to this branch and process, so a shared Redis is never touched outside these keys */
const PREFIX = 'warden-bench-issue-9-speed';

export interface PeerOptions {
  tasks: number;
  failTasks: number;
  runs: number;
}

/** Jobs per wall-clock second for each variant, or undefined when Redis is not reachable. */
export type PeerRates = Record<Variant, number>;

/** One PING over a raw socket with a short timeout: BullMQ's client would retry forever instead. */
function reachable(timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: HOST, port: PORT });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** Turns AOF on (everysec); returns how to put the old settings back, and a line saying what happened. */
async function aofEverysec(client: Redis): Promise<{ note: string; restore: () => Promise<void> }> {
  try {
    const [, appendonly] = (await client.config('GET', 'appendonly')) as [string, string];
    const [, appendfsync] = (await client.config('GET', 'appendfsync')) as [string, string];
    await client.config('SET', 'appendonly', 'yes');
    await client.config('SET', 'appendfsync', 'everysec');
    return {
      note: `AOF on, appendfsync everysec (was appendonly ${appendonly}, appendfsync ${appendfsync}; put back after)`,
      restore: async () => {
        await client.config('SET', 'appendfsync', appendfsync);
        await client.config('SET', 'appendonly', appendonly);
      },
    };
  } catch (e) {
    return { note: `CONFIG SET refused (${(e as Error).message}): Redis runs with its own persistence settings`, restore: async () => {} };
  }
}

/** One run on a fresh queue: all jobs added in bulk, timed from the first add to the last completion. */
async function run(connection: ConnectionOptions, variant: Variant, n: number, tag: string): Promise<number> {
  const name = `${tag}-${variant}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = new Queue(name, { connection, prefix: PREFIX });
  let completed = 0;
  let failedForGood = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker(
    name,
    async (job) => {
      if (variant === 'failOnce' && job.attemptsMade === 0) throw new Error('first attempt fails');
      return 1;
    },
    { connection, prefix: PREFIX, concurrency: CONCURRENCY, autorun: false },
  );
  const settled = () => {
    if (completed + failedForGood === n) finish();
  };
  worker.on('completed', () => {
    completed++;
    settled();
  });
  worker.on('failed', (job) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) failedForGood++;
    settled();
  });
  await worker.waitUntilReady();
  const t0 = nowMs();
  const opts = variant === 'failOnce' ? { attempts: 2 } : {};
  for (let i = 0; i < n; i += 1_000) {
    const size = Math.min(1_000, n - i);
    await queue.addBulk(Array.from({ length: size }, (_, k) => ({ name: 'noop', data: { i: i + k }, opts })));
    if (i === 0) void worker.run();
  }
  await all;
  const ms = nowMs() - t0;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  if (completed !== n) console.error(`bullmq ${variant}: ${completed} of ${n} jobs completed`);
  return (n / ms) * 1000;
}

/** Measures BullMQ and prints its table; returns the medians for the Warden / BullMQ ratios. */
export async function bullmqPeer(o: PeerOptions): Promise<PeerRates | undefined> {
  if (!(await reachable())) {
    console.log(`\nBullMQ peer bench: no Redis at ${HOST}:${PORT}, skipped (Warden / BullMQ ratios use the figures quoted in issue 4)`);
    return undefined;
  }
  const connection: ConnectionOptions = { host: HOST, port: PORT, maxRetriesPerRequest: null };
  const admin = new Redis({ host: HOST, port: PORT, maxRetriesPerRequest: 1 });
  const aof = await aofEverysec(admin);
  try {
    const sizes: Record<Variant, number> = { succeed: o.tasks, failOnce: o.failTasks };
    for (const v of ['succeed', 'failOnce'] as const) await run(connection, v, Math.max(500, Math.floor(sizes[v] / 4)), 'warm');
    const samples: Record<Variant, number[]> = { succeed: [], failOnce: [] };
    for (let r = 0; r < o.runs; r++) {
      for (const v of ['succeed', 'failOnce'] as const) {
        await settle();
        samples[v].push(await run(connection, v, sizes[v], 'run'));
      }
    }
    const rates: PeerRates = { succeed: median(samples.succeed), failOnce: median(samples.failOnce) };
    const span = (xs: number[]) => `${fmtRate(Math.min(...xs))}–${fmtRate(Math.max(...xs))}`;
    console.log(
      `\nBullMQ peer bench: Redis ${HOST}:${PORT}, ${aof.note}; concurrency ${CONCURRENCY}, ` +
        `${o.tasks.toLocaleString('en-US')} jobs per run (fail-once: ${o.failTasks.toLocaleString('en-US')}), median of ${o.runs} runs after a warm-up`,
    );
    console.log(
      table(
        ['bench', 'jobs/s (median)', 'min–max', 'fail-once cost / no-op cost'],
        [
          ['BullMQ no-op job', fmtRate(rates.succeed), span(samples.succeed), ''],
          ['BullMQ fail once, then succeed (attempts: 2)', fmtRate(rates.failOnce), span(samples.failOnce), `${(rates.succeed / rates.failOnce).toFixed(2)}×`],
        ],
      ),
    );
    return rates;
  } finally {
    await aof.restore().catch(() => {});
    admin.disconnect();
  }
}
