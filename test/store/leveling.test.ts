// A data directory under steady load levels off: finished tasks pass retention and the journal
// segments that held them are deleted, so after retention the size stays flat while the work goes on.
// Time is the fake clock: 90 minutes of steady traffic run in seconds.
import { describe, expect, it } from 'vitest';
import { dataDirBytes } from '../../src/store/journal.ts';
import { advance, tmpDir, useStoreClock, useStoreHarness, wardenOn } from './helpers.ts';

useStoreHarness();
useStoreClock();

const MINUTE = 60_000;

describe('disk use under steady load', () => {
  it('levels off once tasks pass retention: flat from then on, while an unpruned journal would have tripled', async () => {
    const dir = tmpDir();
    // The demo's retention (examples/demo.ts): finished tasks are dropped after 15 minutes.
    const w = wardenOn(dir, { retentionMs: 15 * MINUTE, agents: { ok: { run: async (t) => t.input } } });
    await w.start();
    let done = 0;
    w.on('transition', (r) => {
      if (r.kind === 'task' && r.to === 'SUCCEEDED') done++;
    });
    const sizes = new Map<number, number>();
    let submitted = 0;
    // 10 tasks every 5 s (2 tasks/s), each with a 1 KB input, for 90 minutes.
    for (let t = 5_000; t <= 90 * MINUTE; t += 5_000) {
      for (let i = 0; i < 10; i++) await w.submit({ agent: 'ok', input: { n: submitted++, pad: 'x'.repeat(1_000) } });
      await advance(5_000);
      if (t % (5 * MINUTE) === 0) sizes.set(t / MINUTE, dataDirBytes(dir));
    }
    expect(done).toBe(submitted);
    const at = (m: number) => sizes.get(m) ?? Number.NaN;
    // For the note: what it levels off at, per task/s of steady load.
    console.log(`data dir at 5/15/30/60/90 min (2 tasks/s, 1 KB inputs, retention 15 min): ${[5, 15, 30, 60, 90].map((m) => (at(m) / 1e6).toFixed(1) + ' MB').join(' / ')}`);
    // Past retention plus the sweep period the size no longer follows the work done (it moves ±20% with
    // where snapshots cut segments, which real I/O under load shifts).
    const settled = [...sizes].filter(([m]) => m >= 30).map(([, bytes]) => bytes);
    expect(Math.max(...settled) / Math.min(...settled)).toBeLessThan(1.6);
    // 3× the tasks of minute 30 by minute 90; the directory holds about the same.
    expect(at(90) / at(30)).toBeLessThan(1.6);
    // ... and before retention it did grow with the work (the measure is not blind).
    expect(at(15) / at(5)).toBeGreaterThan(1.5);
    await w.stop();
  }, 60_000);
});
