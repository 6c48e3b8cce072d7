// snapshotIntervalMs: with fewer changes than snapshotEvery, state.json is still rewritten once the
// interval passes (and only then), so a restart replays at most one interval of journal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { external, realSleep, tmpDir, useStoreHarness, wardenOn } from './helpers.ts';

useStoreHarness();
afterEach(() => {
  vi.useRealTimers();
});

function snapshotHas(dir: string, id: string): boolean {
  const file = path.join(dir, 'state.json');
  return fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(id);
}

/** The snapshot is written through real file I/O: poll it, bounded. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await realSleep(5);
  if (!check()) throw new Error(`not within 1 s: ${what}`);
}

describe('snapshotIntervalMs', () => {
  it('writes a snapshot once the interval passes, not before, when snapshotEvery is not reached', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const dir = tmpDir();
    const w = wardenOn(dir, { agents: { ext: external }, snapshotEvery: 1_000_000, snapshotIntervalMs: 1_000 });
    await w.start();
    const { id } = await w.submit({ agent: 'ext' });
    await vi.advanceTimersByTimeAsync(999);
    await realSleep(30);
    expect(snapshotHas(dir, id)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await eventually(() => snapshotHas(dir, id), 'state.json holds the task');
    // and the journal it covers was rotated into a segment
    expect(fs.readdirSync(dir).some((f) => /^journal-\d+\.jsonl$/.test(f))).toBe(true);
  });

  it('an interval with no change writes nothing', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const dir = tmpDir();
    const w = wardenOn(dir, { agents: { ext: external }, snapshotEvery: 1_000_000, snapshotIntervalMs: 1_000 });
    await w.start();
    const { id } = await w.submit({ agent: 'ext' });
    await vi.advanceTimersByTimeAsync(1_000);
    await eventually(() => snapshotHas(dir, id), 'the first snapshot');
    const written = fs.statSync(path.join(dir, 'state.json')).mtimeMs;
    const content = fs.readFileSync(path.join(dir, 'state.json'), 'utf8');
    await vi.advanceTimersByTimeAsync(3_000);
    await realSleep(30);
    expect(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).toBe(content);
    expect(fs.statSync(path.join(dir, 'state.json')).mtimeMs).toBe(written);
  });
});
