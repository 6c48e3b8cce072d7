// Finished tasks that left memory stay listable (list() with a finished status, GET /api/tasks?status=)
// within retention, with cursors that page through memory and the archive catalogue as one list;
// history() of one of them reads one catalogue file, not the journal.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import type { ListQuery, TaskView, TransitionRecord, Warden } from '../../src/index.ts';
import { advance, readsDuring, tmpDir, useStoreClock, useStoreHarness, wardenOn, type StoreConfig } from './helpers.ts';

useStoreHarness();
useStoreClock();

const ok = { run: async (t: { input: unknown }) => t.input };
const other = { run: async (t: { input: unknown }) => t.input };

async function started(dir: string, config: StoreConfig): Promise<Warden> {
  const w = wardenOn(dir, config, undefined, false);
  await w.start();
  return w;
}

/** Submits `inputs` in order on `agent` and lets every one succeed. */
async function runAll(w: Warden, agent: string, inputs: number[]): Promise<string[]> {
  let done = 0;
  const off = w.on('transition', (r) => {
    if (r.kind === 'task' && r.to === 'SUCCEEDED') done++;
  });
  const ids: string[] = [];
  for (const input of inputs) ids.push((await w.submit({ agent, input })).id);
  for (let i = 0; i < 100 && done < inputs.length; i++) await advance(0);
  off();
  expect(done).toBe(inputs.length);
  return ids;
}

/** Every page of a query, followed by its cursors. */
function pages(w: Warden, q: ListQuery): TaskView[][] {
  const out: TaskView[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = w.list({ ...q, cursor });
    out.push(page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error('list never ended');
}

const config = { maxFinishedInMemory: 4, agents: { ok, other } };


describe('list() with a finished status includes tasks that left memory', () => {
  it('pages asc and desc over memory and the archive as one list in creation order, before and after a restart', async () => {
    const dir = tmpDir();
    const a = await started(dir, config);
    const ids = await runAll(a, 'ok', Array.from({ length: 23 }, (_, i) => i));
    expect(a.health().tasks.total).toBe(4); // 19 left memory
    const check = (w: Warden) => {
      const asc = pages(w, { status: 'SUCCEEDED', limit: 5 });
      expect(asc.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
      expect(asc.flat().map((t) => t.id)).toEqual(ids);
      expect(asc.flat().map((t) => t.input)).toEqual(ids.map((_, i) => i));
      expect(asc.flat().every((t) => t.status === 'SUCCEEDED' && t.output === t.input)).toBe(true);
      const desc = pages(w, { status: 'SUCCEEDED', limit: 6, order: 'desc' });
      expect(desc.flat().map((t) => t.id)).toEqual([...ids].reverse());
      expect(w.list({ status: 'CANCELLED' }).items).toEqual([]);
    };
    check(a);
    await a.stop();
    const b = await started(dir, config);
    check(b);
    // New tasks after the restart come after the old ones, archived or not.
    const more = await runAll(b, 'ok', [100, 101, 102, 103, 104, 105]);
    expect(pages(b, { status: 'SUCCEEDED', limit: 7 }).flat().map((t) => t.id)).toEqual([...ids, ...more]);
    await b.stop();
  });

  it('filters the archived by agent and by status; a cursor from a page stays good after the tasks on it leave memory', async () => {
    const dir = tmpDir();
    const a = await started(dir, config);
    const mine = await runAll(a, 'ok', [0, 1, 2]);
    const page = a.list({ status: 'SUCCEEDED', agent: 'ok', limit: 2 });
    expect(page.items.map((t) => t.id)).toEqual(mine.slice(0, 2));
    const theirs = await runAll(a, 'other', [10, 11, 12, 13, 14, 15]); // pushes all of `mine` out of memory
    expect(a.get(mine[2] ?? '')).toMatchObject({ status: 'SUCCEEDED' });
    expect(a.list({ status: 'SUCCEEDED', agent: 'ok', cursor: page.nextCursor ?? undefined }).items.map((t) => t.id)).toEqual(mine.slice(2));
    expect(pages(a, { status: 'SUCCEEDED', agent: 'other', limit: 4 }).flat().map((t) => t.id)).toEqual(theirs);
    // Tasks still running are not in the archive, and a running status lists only memory.
    expect(a.list({ status: 'IN_PROGRESS' }).items).toEqual([]);
    expect(() => a.list({ status: 'SUCCEEDED', cursor: 'zzzzzzz' })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    await a.stop();
  });

  it('drops tasks past retention from list and get, and their catalogue files once all they hold is past it', async () => {
    const dir = tmpDir();
    const a = await started(dir, { ...config, retentionMs: 60_000 });
    const old = await runAll(a, 'ok', [0, 1, 2, 3, 4, 5]);
    await advance(61_000);
    const fresh = await runAll(a, 'ok', [6, 7, 8, 9, 10, 11]);
    await advance(1_000);
    expect(pages(a, { status: 'SUCCEEDED', limit: 100 }).flat().map((t) => t.id)).toEqual(fresh);
    expect(a.get(old[0] ?? '')).toBeUndefined();
    const catalogue = () => fs.readdirSync(dir).filter((f) => f.startsWith('archive-'));
    expect(catalogue().length).toBeGreaterThan(0);
    await advance(121_000);
    expect(a.list({ status: 'SUCCEEDED' }).items).toEqual([]);
    expect(catalogue()).toEqual([]);
    await a.stop();
  });

  it('over HTTP: GET /api/tasks?status=SUCCEEDED lists archived tasks too, and its nextCursor pages on', async () => {
    const dir = tmpDir();
    const a = await started(dir, config);
    const ids = await runAll(a, 'ok', Array.from({ length: 9 }, (_, i) => i));
    const { createApp } = await import('../../src/http/index.ts');
    const { pino } = await import('pino');
    const control = createApp(a, { token: 't', logger: pino({ level: 'silent' }) });
    const get = async (q: string) => {
      const res = await control.app.request(`/api/tasks?${q}`, { headers: { authorization: 'Bearer t' } });
      expect(res.status).toBe(200);
      return (await res.json()) as { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
    };
    const first = await get('status=SUCCEEDED&limit=5');
    const second = await get(`status=SUCCEEDED&limit=5&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((t) => t.id)).toEqual(ids);
    expect(second.nextCursor).toBeNull();
    control.close();
    await a.stop();
  });
});

describe('history() of a task that left memory', () => {
  it('is the records the task published, field for field, from a catalogue line that stores them compactly', async () => {
    const dir = tmpDir();
    const a = await started(dir, config);
    const published: TransitionRecord[] = [];
    const off = a.on('transition', (r) => {
      if (r.kind === 'task') published.push(r);
    });
    const ids = await runAll(a, 'ok', Array.from({ length: 8 }, (_, i) => i));
    off();
    const first = ids[0] ?? '';
    expect(a.health().tasks.total).toBe(4); // the first left memory
    expect(a.history(first)).toStrictEqual(published.filter((r) => r.id === first));
    const line = fs.readFileSync(path.join(dir, 'archive-live.jsonl'), 'utf8').split('\n')[0] ?? '';
    expect(line.split(first).length - 1).toBe(1); // the id once, in the context: not in every record
    await a.stop();
    const b = await started(dir, config);
    expect(b.history(first)).toStrictEqual(published.filter((r) => r.id === first));
    await b.stop();
  });

  it('reads one catalogue file and no journal file', async () => {
    const dir = tmpDir();
    const a = await started(dir, { ...config, snapshotEvery: 5 });
    const ids = await runAll(a, 'ok', Array.from({ length: 12 }, (_, i) => i));
    const first = ids[0] ?? '';
    const files = readsDuring(() => {
      expect(a.history(first).map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
      expect(a.get(first)).toMatchObject({ status: 'SUCCEEDED', input: 0, output: 0 });
    });
    expect(files.filter((f) => f.startsWith('journal'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('archive-'))).toEqual(['archive-live.jsonl', 'archive-live.jsonl']);
    await a.stop();
  });
});
