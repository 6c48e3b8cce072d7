// The archive catalogue on its own: files of a bounded size with their Bloom index, lookups that read
// one file, pages in key order that match a plain sort, and what a crash or a restart leaves.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openArchiveCatalog, type ArchivedTask } from '../../src/store/archive-catalog.ts';
import { readsDuring, tmpDir, turns, useStoreHarness } from './helpers.ts';

useStoreHarness();

function task(q: number, status: 'SUCCEEDED' | 'CANCELLED' = 'SUCCEEDED', at = 1_000 + q): ArchivedTask {
  const id = `task-${q}`;
  return {
    q,
    t: {
      ctx: { id, type: 'default', agent: q % 2 ? 'odd' : 'even', input: { q }, maxRetries: 0, status, attempts: 1, failureCounts: {} },
      createdAt: at,
      updatedAt: at,
      history: [{ seq: q, at, kind: 'task', id, from: null, to: 'PENDING', event: 'SUBMIT' }],
    },
  };
}

const catalogueFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /^archive-.*\.jsonl$/.test(f)).sort();

describe('archive catalogue', () => {
  it('splits into files of fileTasks each, finds every task after a reopen, and reads one file to do it', () => {
    const dir = tmpDir();
    const a = openArchiveCatalog(dir, { fileTasks: 10 });
    for (let q = 1; q <= 45; q++) a.add(task(q));
    a.close();
    expect(catalogueFiles(dir)).toHaveLength(5); // four sealed and the live one
    const b = openArchiveCatalog(dir, { fileTasks: 10 });
    expect(catalogueFiles(dir)).toHaveLength(5); // the live one of before is sealed as it is
    for (let q = 1; q <= 45; q++) expect(b.find(`task-${q}`)?.ctx.input).toEqual({ q });
    // The Bloom index sends each lookup to the one file that holds the task.
    const files = readsDuring(() => expect(b.find('task-17')?.ctx.id).toBe('task-17'));
    expect(files).toEqual(['archive-000000000020.jsonl']);
    expect(readsDuring(() => b.find('task-4000'))).toEqual([]);
    expect(b.find('task-46')).toBeUndefined();
    expect(b.find('task-4')?.history).toHaveLength(1);
  });

  it('seals a file once its tasks span fileSpanMs, so a prune at retention frees their disk soon after their time', () => {
    const dir = tmpDir();
    const a = openArchiveCatalog(dir, { fileTasks: 1_000, fileSpanMs: 100 });
    // One task every 10 ms: a file takes 10 of them however roomy it is.
    for (let q = 0; q < 50; q++) a.add(task(q, 'SUCCEEDED', 10 * q));
    a.flush();
    expect(catalogueFiles(dir)).toHaveLength(5);
    // Everything finished before 250 is past retention: the files wholly before it go.
    a.prune(250);
    expect(catalogueFiles(dir)).toHaveLength(3);
    expect(a.find('task-19')).toBeUndefined();
    expect(a.find('task-20')?.ctx.id).toBe('task-20');
    a.close();
  });

  it('rebuilds an index a crash left unwritten, and leaves out a torn last line', () => {
    const dir = tmpDir();
    const a = openArchiveCatalog(dir, { fileTasks: 10 });
    for (let q = 1; q <= 25; q++) a.add(task(q));
    a.close();
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.idx.json'))) fs.rmSync(path.join(dir, f));
    fs.appendFileSync(path.join(dir, 'archive-live.jsonl'), '{"q":26,"t":{"ctx":{"id":"task-26"');
    const b = openArchiveCatalog(dir, { fileTasks: 10 });
    for (let q = 1; q <= 25; q++) expect(b.find(`task-${q}`)?.ctx.id).toBe(`task-${q}`);
    expect(b.find('task-26')).toBeUndefined();
    expect(b.page({ order: 'asc', limit: 100, keep: () => true }).map((x) => x.q)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('prune deletes the files whose newest task is past the cutoff, the live one too', async () => {
    const dir = tmpDir();
    const a = openArchiveCatalog(dir, { fileTasks: 10 });
    for (let q = 1; q <= 25; q++) a.add(task(q, 'SUCCEEDED', q <= 20 ? 100 : 5_000));
    await turns(2);
    a.prune(1_000);
    expect(a.find('task-3')).toBeUndefined();
    expect(a.find('task-22')?.ctx.id).toBe('task-22');
    a.prune(10_000);
    expect(a.find('task-22')).toBeUndefined();
    expect(catalogueFiles(dir)).toEqual([]);
  });

  it('pages in key order, asc and desc, from any key, as a plain filter and sort would', () => {
    fc.assert(
      fc.property(
        // tasks leave about in creation order: keys shuffled only a little
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.boolean()), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        fc.integer({ min: 1, max: 8 }),
        (jitter, limit, from, order, fileTasks) => {
          const dir = tmpDir();
          const cat = openArchiveCatalog(dir, { fileTasks });
          const all = jitter.map(([j, cancelled], i) => ({ key: i * 2 + j * 2, cancelled }));
          const keys = new Set<number>();
          const added = all.filter((x) => !keys.has(x.key) && keys.add(x.key));
          for (const x of added) cat.add(task(x.key, x.cancelled ? 'CANCELLED' : 'SUCCEEDED'));
          const got = cat.page({ from, order, limit, keep: (t) => t.ctx.status === 'SUCCEEDED' }).map((x) => x.q);
          const want = added
            .filter((x) => !x.cancelled && (order === 'asc' ? x.key >= from : x.key <= from))
            .map((x) => x.key)
            .sort((x, y) => (order === 'asc' ? x - y : y - x))
            .slice(0, limit);
          cat.close();
          fs.rmSync(dir, { recursive: true, force: true });
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
