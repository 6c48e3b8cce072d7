// `npm run bench:retention`: does a durable Warden stay bounded over a long run? It runs BENCH_RETENTION_TASKS
// (default 1,000,000) no-op tasks through a data dir, 1,000 in flight, and compares the end with the point
// after 10,000 tasks: RSS (≤ 1.5× asked), state.json (≤ 2×), the write rate (≥ 0.9×), and that
// history() of the very first task still answers. Prints figures and ratios; asserts nothing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import { createWarden } from '../src/index.ts';
import { fmtBytes, fmtRate, nowMs, settle } from './util.ts';

const TOTAL = Number(process.env.BENCH_RETENTION_TASKS) || 1_000_000;
const BASE = 10_000;
const WINDOW = 10_000;
const BATCH = 1_000;

interface Mark {
  tasks: number;
  rss: number;
  heap: number;
  stateBytes: number;
  dirBytes: number;
  files: number;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-retention-'));
  let done = 0;
  const w = createWarden({
    dataDir: dir,
    logger: pino({ level: 'silent' }),
    agents: { noop: { run: async () => 1, concurrency: BATCH } },
    // A snapshot at least every second, so state.json at each mark shows the state of that moment.
    snapshotIntervalMs: 1_000,
  });
  await w.start();
  w.on('transition', (r) => {
    if (r.kind === 'task' && r.to === 'SUCCEEDED') done++;
  });

  async function mark(tasks: number): Promise<Mark> {
    await new Promise((r) => setTimeout(r, 1_500));
    await settle(2);
    const files = fs.readdirSync(dir);
    const size = (f: string) => fs.statSync(path.join(dir, f)).size;
    const m = process.memoryUsage();
    return { tasks, rss: m.rss, heap: m.heapUsed, stateBytes: size('state.json'), dirBytes: files.reduce((n, f) => n + size(f), 0), files: files.length };
  }

  /** Runs `n` tasks, 1,000 in flight; returns tasks per second. */
  async function run(n: number, first?: (id: string) => void): Promise<number> {
    const t0 = nowMs();
    const target = done + n;
    for (let sent = 0; sent < n; sent += BATCH) {
      const ids = await Promise.all(Array.from({ length: Math.min(BATCH, n - sent) }, () => w.submit({ agent: 'noop' })));
      if (first && sent === 0) first(ids[0]?.id ?? '');
      const want = target - (n - sent - Math.min(BATCH, n - sent));
      while (done < want) await new Promise((r) => setImmediate(r));
    }
    return (n / (nowMs() - t0)) * 1_000;
  }

  let firstId = '';
  await run(BASE, (id) => (firstId = id));
  const base = await mark(BASE);
  const startRate = await run(WINDOW);
  let lastReport = nowMs();
  const middle = TOTAL - BASE - 2 * WINDOW;
  for (let sent = 0; sent < middle; sent += 100_000) {
    await run(Math.min(100_000, middle - sent));
    if (nowMs() - lastReport > 15_000) {
      lastReport = nowMs();
      process.stderr.write(`  … ${BASE + WINDOW + sent + 100_000} tasks\n`);
    }
  }
  const endRate = await run(WINDOW);
  const end = await mark(TOTAL);
  const t0 = nowMs();
  const history = w.history(firstId);
  const historyMs = nowMs() - t0;
  const firstView = w.get(firstId);
  await w.stop();

  const row = (name: string, a: string, b: string, ratio: string, goal: string) => `  ${name.padEnd(22)} ${a.padStart(12)} ${b.padStart(12)} ${ratio.padStart(8)}   ${goal}`;
  const r = (x: number, y: number) => `${(y / x).toFixed(2)}×`;
  process.stdout.write(
    [
      `Retention bench: ${TOTAL.toLocaleString('en')} no-op tasks, durable (data dir ${dir}), ${BATCH} in flight`,
      row('', `at ${BASE.toLocaleString('en')}`, `at ${TOTAL.toLocaleString('en')}`, 'ratio', 'goal'),
      row('RSS', fmtBytes(base.rss), fmtBytes(end.rss), r(base.rss, end.rss), '≤ 1.5×'),
      row('heap used', fmtBytes(base.heap), fmtBytes(end.heap), r(base.heap, end.heap), ''),
      row('state.json', fmtBytes(base.stateBytes), fmtBytes(end.stateBytes), r(base.stateBytes, end.stateBytes), '≤ 2×'),
      row('data dir', fmtBytes(base.dirBytes), fmtBytes(end.dirBytes), r(base.dirBytes, end.dirBytes), 'bounded by retention (7 days here)'),
      row('write rate (10k)', fmtRate(startRate), fmtRate(endRate), r(startRate, endRate), '≥ 0.9×'),
      `  history(first task): ${history.length} records (${history.map((x) => x.to).join(' → ')}) in ${historyMs.toFixed(0)} ms; get: ${firstView?.status ?? 'missing'}`,
      '',
    ].join('\n'),
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
