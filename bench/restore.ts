// Part of `npm run bench`, run in its own process so the earlier runs do not pollute RSS:
//   node --expose-gc --import tsx bench/restore.ts [live tasks, default 100000] [memory]
// A persisted warden (durability 'write', default snapshot settings) fills up with live tasks on an
// external agent (concurrency 1: one IN_PROGRESS, the rest wait ASSIGNED); prints the RSS they cost,
// then stop()s it (final snapshot) and times start() of a fresh warden on the same data dir.
// With `memory` it does the same fill with `persist: false` and prints the memory figures only
// (a baseline: the difference is the store's share).
// With BENCH_RESTORE_PROF=<dir>, the restore alone (start() on the full dir) is CPU-profiled into
// <dir>/restore.cpuprofile; summarise it with `npx tsx bench/top.ts <dir>/restore.cpuprofile`.
import fs from 'node:fs';
import os from 'node:os';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { pino } from 'pino';
import { createWarden, type Warden } from '../src/index.ts';
import { fmtBytes, fmtRate, gc, gcSource, nowMs, settle, table } from './util.ts';

const LIVE = Number(process.argv[2] ?? 100_000);
const IN_MEMORY = process.argv[3] === 'memory';
const BATCH = 1_000;
const logger = pino({ level: 'silent' });

function make(dataDir: string): Warden {
  return createWarden({
    ...(IN_MEMORY ? { persist: false } : { dataDir, durability: 'write' as const }),
    agents: { ext: { concurrency: 1 } },
    logger,
  });
}

function byStatus(w: Warden): string {
  return Object.entries(w.health().tasks.byStatus)
    .filter(([, c]) => c > 0)
    .map(([s, c]) => `${c.toLocaleString('en-US')} ${s}`)
    .join(' + ');
}

/** Lines in the live journal: what the snapshot does not cover, so start() has to replay them. */
function liveJournalLines(dir: string): number {
  const file = path.join(dir, 'journal.jsonl');
  if (!fs.existsSync(file)) return 0;
  const buf = fs.readFileSync(file);
  let lines = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

function dirBytes(dir: string): { snapshot: number; journal: number; segments: number } {
  let journal = 0;
  let segments = 0;
  for (const f of fs.readdirSync(dir)) {
    if (!f.startsWith('journal')) continue;
    journal += fs.statSync(path.join(dir, f)).size;
    if (f !== 'journal.jsonl') segments++;
  }
  const snap = path.join(dir, 'state.json');
  return { snapshot: fs.existsSync(snap) ? fs.statSync(snap).size : 0, journal, segments };
}

type GcFn = (opts?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/** RSS after gc() (what V8 keeps reserved counts), and after a memory-reducing ("last resort") full
 * gc and a pause, which lets V8 give its unused heap pages back to the OS. */
async function rssNow(): Promise<{ rss: number; reduced: number; mem: NodeJS.MemoryUsage }> {
  await settle(2);
  const mem = process.memoryUsage();
  const g = gc as GcFn | undefined;
  if (g) {
    g({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    await new Promise((r) => setTimeout(r, 1_000));
    g({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  }
  return { rss: mem.rss, reduced: process.memoryUsage().rss, mem };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-restore-'));
  try {
    const rows: string[][] = [];
    const n = LIVE.toLocaleString('en-US');

    let w: Warden | undefined = make(dir);
    await w.start();
    const before = await rssNow();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = nowMs();
    for (let done = 0; done < LIVE; done += BATCH) {
      const size = Math.min(BATCH, LIVE - done);
      await Promise.all(Array.from({ length: size }, () => (w as Warden).submit({ agent: 'ext' })));
    }
    const fillMs = nowMs() - t0;
    const peakish = process.memoryUsage().heapUsed;
    const after = await rssNow();
    const m1 = after.mem;
    const live1 = byStatus(w);
    const label = IN_MEMORY ? 'persist: false' : "durability 'write', default snapshots";
    rows.push([`RSS for ${n} live tasks (after − before submitting them, after gc())`, fmtBytes(after.rss - before.rss)]);
    rows.push([`  the same after a memory-reducing gc + 1 s (V8 returns unused heap pages)`, fmtBytes(after.reduced - before.reduced)]);
    rows.push([`  RSS of the whole process with them, after gc() / after the reducing gc`, `${fmtBytes(after.rss)} / ${fmtBytes(after.reduced)}`]);
    rows.push([`  heap used for them, after gc()`, fmtBytes(m1.heapUsed - heap0)]);
    rows.push([`  heap used at the end of the fill, before any gc (garbage not yet collected)`, fmtBytes(peakish)]);
    rows.push([`  V8 heap reserved (heapTotal) / external + array buffers, whole process`, `${fmtBytes(m1.heapTotal)} / ${fmtBytes(m1.external)}`]);
    rows.push([`submit rate while filling (${label})`, `${fmtRate((LIVE / fillMs) * 1000)} tasks/s`]);
    if (IN_MEMORY) {
      await w.stop();
      console.log(`\nRSS baseline, persist: false (child process: node ${process.execArgv.join(' ')}; gc: ${gcSource})`);
      console.log(table(['figure', 'value'], rows));
      console.log(`  ${live1}`);
      return;
    }
    const filled = dirBytes(dir);

    const tStop = nowMs();
    await w.stop();
    const stopMs = nowMs() - tStop;
    const stopped = dirBytes(dir);
    rows.push([`stop() incl. final snapshot`, `${(stopMs / 1000).toFixed(2)} s`]);
    rows.push([`state.json after stop()`, fmtBytes(stopped.snapshot)]);
    rows.push([`journal on disk (${stopped.segments} segments + live; before stop: ${filled.segments} segments)`, fmtBytes(stopped.journal)]);
    const uncovered = liveJournalLines(dir);
    rows.push([`journal lines after the last snapshot (start() replays them; 0 if stop() wrote one)`, uncovered.toLocaleString('en-US')]);

    w = undefined;
    await settle(2);
    const heapBefore = process.memoryUsage().heapUsed;
    const w2 = make(dir);
    const profDir = process.env.BENCH_RESTORE_PROF;
    const session = profDir ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const tStart = nowMs();
    await w2.start();
    const restoreMs = nowMs() - tStart;
    if (session && profDir) {
      const { profile } = await session.post('Profiler.stop');
      fs.mkdirSync(profDir, { recursive: true });
      fs.writeFileSync(path.join(profDir, 'restore.cpuprofile'), JSON.stringify(profile));
      session.disconnect();
    }
    const live2 = byStatus(w2);
    await settle(2);
    const m2 = process.memoryUsage();
    rows.push([`restore: start() on the same dir until it resolves`, `${(restoreMs / 1000).toFixed(2)} s`]);
    rows.push([`  heap used by the restored tasks (they rest without actors)`, fmtBytes(m2.heapUsed - heapBefore)]);
    rows.push([`  RSS of the whole process after restore (not returned to the OS from before)`, fmtBytes(m2.rss)]);
    await w2.stop();

    console.log(`\nRestore (child process: node ${process.execArgv.join(' ')}; gc: ${gcSource})`);
    console.log(table(['figure', 'value'], rows));
    console.log(`  before stop: ${live1}`);
    console.log(`  after restore: ${live2}`);
    console.log(`  targets (not asserted): RSS ≤ 150 MB for 100,000 live tasks (issue 9; 300 MB in issue 4), restore ≤ 3 s`);
    console.log(`  for scale (issue 4, not measured here): BullMQ holds 100,000 waiting jobs in about 140 MB (Node + Redis)`);
    if (!gc) console.log('  (no gc: RSS figures are rough)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
