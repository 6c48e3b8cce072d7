// state.json is written through lowdb with Warden's own adapter: each write has its own temp file and
// waits on no timer, so two writes in flight never rename each other's bytes away, and a write
// settles under fake timers too. A crash mid-write leaves a temp file, which the next open clears.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { emptyState } from '../../src/store/state.ts';
import { readSnapshot, writeSnapshot } from '../../src/store/snapshot.ts';
import { tmpDir, useStoreHarness, wardenOn } from './helpers.ts';

useStoreHarness();

const temps = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('the snapshot file', () => {
  it('a snapshot larger than one written piece (about 1 MiB) reads back equal, every task and part', async () => {
    const dir = tmpDir();
    const state = { ...emptyState(), n: 7, seq: 9, alerts: [] };
    for (let i = 0; i < 3_000; i++) {
      const id = `t-${i}"\\é`;
      state.tasks[id] = {
        ctx: { id, type: 'default', agent: 'a', input: { text: 'x'.repeat(1_000), i }, status: 'ASSIGNED', attempts: 0, maxRetries: 2, failureCounts: {} },
        createdAt: i,
        updatedAt: i + 1,
        history: [{ seq: i, at: i, kind: 'task', id, from: null, to: 'ASSIGNED', event: 'ASSIGN' }],
      };
    }
    await writeSnapshot(dir, state);
    expect(fs.statSync(path.join(dir, 'state.json')).size).toBeGreaterThan(3 * 2 ** 20);
    expect(await readSnapshot(dir)).toEqual(state);
  });

  it('a snapshot without tasks is valid JSON too', async () => {
    const dir = tmpDir();
    await writeSnapshot(dir, { ...emptyState(), n: 3 });
    expect(await readSnapshot(dir)).toEqual({ ...emptyState(), n: 3 });
  });

  it('two writes in flight at once both land, under fake timers, leaving one whole snapshot', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      const dir = tmpDir();
      const writes = Array.from({ length: 8 }, (_, i) => writeSnapshot(dir, { ...emptyState(), n: i, seq: i }));
      // With one shared temp name, a rename finds its file gone and retries on a (fake) timer forever.
      await expect(Promise.all(writes)).resolves.toHaveLength(8);
      expect(temps(dir)).toEqual([]);
      expect([0, 1, 2, 3, 4, 5, 6, 7]).toContain((await readSnapshot(dir)).n);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a temp file left by a crash mid-write is cleared at open, and the snapshot before it is what restores', async () => {
    const dir = tmpDir();
    const a = wardenOn(dir, { agents: { ext: {} } }, undefined, false);
    await a.start();
    const { id } = await a.submit({ agent: 'ext', input: 1 });
    const view = a.get(id);
    await a.stop();
    fs.writeFileSync(path.join(dir, `.state.json.${process.pid}.99.tmp`), '{"half": ');
    const b = wardenOn(dir, { agents: { ext: {} } });
    await b.start();
    expect(temps(dir)).toEqual([]);
    expect(b.get(id)).toEqual(view);
  });
});
