// Bounded memory and disk: finished tasks leave memory (and the snapshot) by count and by age, stay
// readable from the journal until retentionMs, then disappear with the journal segments that held them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Warden } from '../../src/index.ts';
import { createArchiveIndex } from '../../src/store/archive-index.ts';
import { tmpDir, useStoreHarness, wardenOn, type StoreConfig, advance, useStoreClock } from './helpers.ts';

useStoreHarness();
useStoreClock();

const ok = { run: async (t: { input: unknown }) => t.input };

async function started(dir: string, config: StoreConfig): Promise<Warden> {
  const w = wardenOn(dir, config, undefined, false);
  await w.start();
  return w;
}

/** Submits n tasks and lets them all succeed (counted from the record stream: some leave memory at once). */
async function runMany(w: Warden, n: number): Promise<string[]> {
  let done = 0;
  const off = w.on('transition', (r) => {
    if (r.kind === 'task' && r.to === 'SUCCEEDED') done++;
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await w.submit({ agent: 'ok', input: i })).id);
  for (let i = 0; i < 100 && done < n; i++) await advance(0);
  off();
  expect(done).toBe(n);
  return ids;
}

function snapshotTasks(dir: string): string[] {
  return Object.keys((JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { tasks: object }).tasks);
}

describe('finished tasks leave memory', () => {
  it('beyond maxFinishedInMemory the oldest leave the table and the snapshot, yet get, history and result still answer', async () => {
    const dir = tmpDir();
    const a = await started(dir, { maxFinishedInMemory: 5, agents: { ok } });
    const ids = await runMany(a, 30);
    expect(a.health().tasks.total).toBe(5);
    const first = ids[0] ?? '';
    expect(a.get(first)).toMatchObject({ id: first, status: 'SUCCEEDED', output: 0, input: 0, attempts: 1 });
    expect(a.history(first).map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    await expect(a.result(first)).resolves.toBe(0);
    await a.stop();
    expect(snapshotTasks(dir).sort()).toEqual(ids.slice(-5).sort());

    const b = await started(dir, { maxFinishedInMemory: 5, agents: { ok } });
    expect(b.get(first)).toMatchObject({ status: 'SUCCEEDED', output: 0 });
    expect(b.history(first)).toHaveLength(4);
    expect(b.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(() => b.history('00000000-0000-4000-8000-000000000000')).toThrow(expect.objectContaining({ code: 'not_found' }));
    await b.stop();
  });

  it('after finishedInMemoryMs they leave memory; after retentionMs they disappear, and so do their journal segments', async () => {
    const dir = tmpDir();
    const config = { finishedInMemoryMs: 1_000, retentionMs: 60_000, snapshotEvery: 10, agents: { ok } };
    const a = await started(dir, config);
    const ids = await runMany(a, 20);
    await advance(2_500);
    expect(a.health().tasks.total).toBe(0);
    expect(a.get(ids[0] ?? '')).toMatchObject({ status: 'SUCCEEDED' });
    const segments = () => fs.readdirSync(dir).filter((f) => /^journal-\d+\.jsonl$/.test(f));
    expect(segments().length).toBeGreaterThan(0);
    // Later traffic keeps the live journal and new segments; the old ones pass retention.
    await advance(61_000);
    await runMany(a, 20);
    await advance(61_000);
    expect(a.get(ids[0] ?? '')).toBeUndefined();
    expect(() => a.history(ids[0] ?? '')).toThrow(expect.objectContaining({ code: 'not_found' }));
    const left = segments().join('\n');
    expect(left).not.toContain(ids[0]);
    for (const f of segments()) expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toContain(ids[0]);
    await a.stop();
  });

  it('without a data dir, the count still bounds memory', async () => {
    const { createWarden } = await import('../../src/index.ts');
    const { pino } = await import('pino');
    const w = createWarden({ persist: false, maxFinishedInMemory: 3, logger: pino({ level: 'silent' }), agents: { ok } });
    await w.start();
    const ids = await runMany(w, 10);
    expect(w.health().tasks.total).toBe(3);
    expect(w.get(ids[0] ?? '')).toBeUndefined();
    expect(w.get(ids[9] ?? '')).toMatchObject({ status: 'SUCCEEDED' });
    await w.stop();
  });
});

describe('archive index', () => {
  it('never forgets an id it holds, answers no for most others, and drops a generation past retention', () => {
    const index = createArchiveIndex();
    const ids = Array.from({ length: 50_000 }, (_, i) => `task-${i}-${(i * 2654435761) >>> 0}`);
    ids.forEach((id, i) => index.add(id, i < 16_384 ? 1_000 : 5_000));
    expect(ids.every((id) => index.has(id))).toBe(true);
    const strangers = Array.from({ length: 20_000 }, (_, i) => `other-${i}`);
    const falsePositives = strangers.filter((id) => index.has(id)).length;
    expect(falsePositives / strangers.length).toBeLessThan(0.03);
    const again = createArchiveIndex();
    again.load(index.toJSON(), [], 0);
    expect(ids.every((id) => again.has(id))).toBe(true);
    again.prune(2_000); // the first generation (16,384 ids, all at 1 000) goes
    expect(again.has(ids[20_000] ?? '')).toBe(true);
    expect(ids.slice(0, 16_384).filter((id) => again.has(id)).length).toBeLessThan(16_384 * 0.05);
  });
});

describe('disk use', () => {
  it('is reported in health (and so in /api/health/detailed and the warden_data_dir_bytes metric)', async () => {
    const dir = tmpDir();
    const a = await started(dir, { agents: { ok } });
    await runMany(a, 10);
    const files = fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).size);
    expect(a.health().storage).toEqual({ dataDir: dir, usedBytes: files.reduce((x, y) => x + y, 0) });
    const { createApp } = await import('../../src/http/index.ts');
    const { pino } = await import('pino');
    const control = createApp(a, { logger: pino({ level: 'silent' }), dataDir: dir });
    const metrics = await (await control.app.request('/metrics')).text();
    expect(metrics).toMatch(/^warden_data_dir_bytes [1-9]\d*$/m);
    const detailed = (await (await control.app.request('/api/health/detailed')).json()) as { disk: { usedBytes: number } };
    expect(detailed.disk.usedBytes).toBeGreaterThan(0);
    control.close();
    await a.stop();
  });
});

describe('a finished task leaves memory only once journaled', () => {
  it('with maxFinishedInMemory 0, a task that succeeded is still there after a restart', async () => {
    const dir = tmpDir();
    const a = await started(dir, { maxFinishedInMemory: 0, agents: { ok } });
    const [id] = await runMany(a, 1);
    await a.stop();
    const b = await started(dir, { maxFinishedInMemory: 0, agents: { ok } });
    expect(b.get(id ?? '')).toMatchObject({ status: 'SUCCEEDED', output: 0 });
    expect(b.history(id ?? '').map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    // The journal itself holds the last line (an event stream resuming after the restart reads it there).
    expect(b.replay(0).filter((r) => r.id === id).map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    await b.stop();
  });
});
