// Unit tests of the store's parts: the group-commit journal writer, journal segments, the journal
// reader, the fold that applies journal lines, the snapshot file, and openStore.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWardenError } from '../../src/index.ts';
import { journalFiles, openJournal, readJournalFile, segmentName } from '../../src/store/journal.ts';
import { readSnapshot, writeSnapshot } from '../../src/store/snapshot.ts';
import { applyLine, emptyState, type JournalLine, type PersistedState, type TaskPatch } from '../../src/store/state.ts';
import { openDataDir as openStore } from '../../src/store/store.ts';
import type { Alert, TaskStatus, TransitionRecord } from '../../src/types.ts';
import { tmpDir, turns, useStoreHarness } from './helpers.ts';

useStoreHarness();

function alert(i: number): Alert {
  return { id: `a${i}`, at: new Date(i).toISOString(), level: 'WARNING', component: 'test', message: `alert ${i}`, details: {} };
}

function taskRecord(seq: number, id: string, from: string | null, to: string): TransitionRecord {
  return { seq, at: 1_000 + seq, kind: 'task', id, from, to, event: 'X', attempt: 0, agent: 'ext' };
}

const noError = () => {
  throw new Error('unexpected journal error');
};

describe('openJournal: group commit', () => {
  it("buffers a turn's lines and writes them together, numbered on from n; durable() resolves once they are written", async () => {
    const dir = tmpDir();
    const j = openJournal(dir, { durability: 'write', n: 41, onError: noError });
    const file = path.join(dir, 'journal.jsonl');
    expect(j.append({ a: alert(1) })).toBe(42);
    expect(j.append({ a: alert(2) })).toBe(43);
    expect(j.append({ c: { id: 't', attempt: 1, data: { step: 1 } } })).toBe(44);
    expect(fs.readFileSync(file, 'utf8'), 'nothing is written within the turn').toBe('');
    const durable = j.durable();
    await durable;
    const { lines, torn } = readJournalFile(file);
    expect(torn).toBeUndefined();
    expect(lines.map((l) => l.n)).toEqual([42, 43, 44]);
    expect(j.n).toBe(44);
    await j.close();
  });

  it('durable() with nothing buffered resolves at once', async () => {
    const dir = tmpDir();
    const j = openJournal(dir, { durability: 'write', n: 0, onError: noError });
    await expect(j.durable()).resolves.toBeUndefined();
    await j.close();
  });

  it("under 'fsync' durable() resolves after the sync, with every line on disk", async () => {
    const dir = tmpDir();
    const j = openJournal(dir, { durability: 'fsync', n: 0, onError: noError });
    for (let i = 0; i < 100; i++) j.append({ a: alert(i) });
    await j.durable();
    expect(readJournalFile(path.join(dir, 'journal.jsonl')).lines).toHaveLength(100);
    j.append({ a: alert(100) });
    await j.durable();
    expect(readJournalFile(path.join(dir, 'journal.jsonl')).lines).toHaveLength(101);
    await j.close();
  });

  it('rotate() closes the live journal as a segment named after its last line; journalFiles() lists what is past a position', async () => {
    const dir = tmpDir();
    const j = openJournal(dir, { durability: 'write', n: 0, onError: noError });
    j.append({ a: alert(1) });
    j.append({ a: alert(2) });
    j.rotate();
    j.append({ a: alert(3) });
    await j.durable();
    await j.close();
    expect(fs.readdirSync(dir).sort()).toEqual([segmentName(2), 'journal.jsonl'].sort());
    expect(readJournalFile(path.join(dir, segmentName(2))).lines.map((l) => l.n)).toEqual([1, 2]);
    expect(readJournalFile(path.join(dir, 'journal.jsonl')).lines.map((l) => l.n)).toEqual([3]);
    expect(journalFiles(dir, 0).map((f) => path.basename(f))).toEqual([segmentName(2), 'journal.jsonl']);
    expect(journalFiles(dir, 2).map((f) => path.basename(f))).toEqual(['journal.jsonl']);
  });

  it('rotate() with no new lines since the last rotation keeps the segment it would clobber', async () => {
    const dir = tmpDir();
    const j = openJournal(dir, { durability: 'write', n: 0, onError: noError });
    j.append({ a: alert(1) });
    j.append({ a: alert(2) });
    j.rotate();
    j.rotate(); // e.g. stop() right after a periodic snapshot: the live journal is empty
    await j.close();
    expect(readJournalFile(path.join(dir, segmentName(2))).lines.map((l) => l.n), `${segmentName(2)} lost its lines`).toEqual([1, 2]);
  });
});

describe('readJournalFile', () => {
  function write(dir: string, text: string): string {
    const file = path.join(dir, 'journal.jsonl');
    fs.writeFileSync(file, text);
    return file;
  }
  const line = (n: number) => JSON.stringify({ n, a: alert(n) });

  it('an empty file has no lines', () => {
    expect(readJournalFile(write(tmpDir(), ''))).toEqual({ lines: [], validBytes: 0 });
  });

  it('a last line without its newline is a torn write: reported with its offset, not an error', () => {
    const good = `${line(1)}\n${line(2)}\n`;
    const res = readJournalFile(write(tmpDir(), good + line(3).slice(0, 10)));
    expect(res.lines.map((l) => l.n)).toEqual([1, 2]);
    expect(res.validBytes).toBe(Buffer.byteLength(good));
    expect(res.torn).toEqual({ offset: Buffer.byteLength(good), bytes: 10 });
  });

  it('a complete last line without its newline is still torn (its write never finished)', () => {
    const res = readJournalFile(write(tmpDir(), `${line(1)}\n${line(2)}`));
    expect(res.lines.map((l) => l.n)).toEqual([1]);
    expect(res.torn?.bytes).toBe(line(2).length);
  });

  it('a broken line that ends in a newline is corruption, even at the end', () => {
    const dir = tmpDir();
    const file = write(dir, `${line(1)}\n{"n":2,"a":\n`);
    let caught: unknown;
    try {
      readJournalFile(file);
    } catch (err) {
      caught = err;
    }
    expect(isWardenError(caught) && caught.code).toBe('corrupt_state');
    expect((caught as Error).message).toContain(file);
    expect((caught as Error).message).toMatch(/line 2 \(byte \d+\)/);
  });

  it('multi-byte characters: offsets are bytes', () => {
    const first = JSON.stringify({ n: 1, a: { ...alert(1), message: 'é€𝄞' } });
    const res = readJournalFile(write(tmpDir(), `${first}\n{"n":2`));
    expect(res.torn?.offset).toBe(Buffer.byteLength(first) + 1);
  });
});

describe('applyLine', () => {
  const patch = (status: TaskStatus, extra: Partial<TaskPatch> = {}): TaskPatch => ({
    id: 't1',
    type: 'default',
    agent: 'ext',
    maxRetries: 1,
    status,
    attempts: 0,
    failureCounts: {},
    ...extra,
  });

  it('builds a task from its lines, keeps input when later lines leave it out, and skips lines the state already has', () => {
    const state = emptyState();
    const lines: JournalLine[] = [
      { n: 1, r: taskRecord(1, 't1', null, 'PENDING'), task: patch('PENDING', { input: { x: 1 }, createdAt: 5, idempotencyKey: 'k' }) },
      { n: 2, r: taskRecord(2, 't1', 'PENDING', 'ASSIGNED'), task: patch('ASSIGNED') },
      { n: 3, c: { id: 't1', attempt: 1, data: { step: 1 } } },
    ];
    for (const l of lines) applyLine(state, l, 10);
    for (const l of lines) applyLine(state, l, 10); // a replay of lines already applied changes nothing
    const t = state.tasks.t1;
    expect(t?.ctx).toMatchObject({ status: 'ASSIGNED', input: { x: 1 }, checkpoint: { step: 1 } });
    expect(t?.createdAt).toBe(5);
    expect(t?.idempotencyKey).toBe('k');
    expect(t?.history.map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED']);
    expect(state).toMatchObject({ n: 3, seq: 2 });
  });

  it('keeps at most maxAlerts alerts, the newest', () => {
    const state = emptyState();
    for (let i = 1; i <= 5; i++) applyLine(state, { n: i, a: alert(i) }, 3);
    expect(state.alerts.map((a) => a.id)).toEqual(['a3', 'a4', 'a5']);
  });
});

describe('snapshot file', () => {
  it('is written to disk for real (not lowdb memory), and the previous one is kept as state.json.bak', async () => {
    const dir = tmpDir();
    const first: PersistedState = { ...emptyState(), n: 1, seq: 1, savedAt: 1 };
    const second: PersistedState = { ...emptyState(), n: 2, seq: 2, savedAt: 2 };
    await writeSnapshot(dir, first);
    await writeSnapshot(dir, second);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'))).toEqual(second);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'state.json.bak'), 'utf8'))).toEqual(first);
    expect(await readSnapshot(dir)).toEqual(second);
  });

  it('a missing snapshot is an empty state', async () => {
    expect(await readSnapshot(tmpDir())).toEqual(emptyState());
  });
});

describe('openStore', () => {
  const opts = { durability: 'write' as const, maxAlerts: 100, onError: noError };

  it('snapshot(): a build that throws does not wedge the store; the next snapshot is written', async () => {
    const dir = tmpDir();
    const store = await openStore(dir, opts);
    store.journal.append({ a: alert(1) });
    await expect(
      store.snapshot(() => {
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    await store.snapshot((n) => ({ ...emptyState(), n, savedAt: 7 }));
    expect(fs.existsSync(path.join(dir, 'state.json')), 'the second snapshot must be written').toBe(true);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('two snapshots with no journal line between them keep the older segment (history and the .bak path need it)', async () => {
    const dir = tmpDir();
    const store = await openStore(dir, opts);
    store.journal.append({ a: alert(1) });
    await store.snapshot((n) => ({ ...emptyState(), n, alerts: [alert(1)] }));
    await store.snapshot((n) => ({ ...emptyState(), n, alerts: [alert(1)] }));
    await store.close();
    expect(readJournalFile(path.join(dir, segmentName(1))).lines.map((l) => l.n)).toEqual([1]);
  });

  it('a snapshot asked for while another is being written is written too, after it (the last one has the latest state)', async () => {
    const dir = tmpDir();
    const store = await openStore(dir, opts);
    store.journal.append({ a: alert(1) });
    const first = store.snapshot((n) => ({ ...emptyState(), n, savedAt: 1 }));
    store.journal.append({ a: alert(2) });
    const second = store.snapshot((n) => ({ ...emptyState(), n, savedAt: 2 }));
    await Promise.all([first, second]);
    await store.close();
    expect(await readSnapshot(dir)).toMatchObject({ n: 2, savedAt: 2 });
  });

  it('restores snapshot + journal, and truncates a torn tail of the live journal with a warning', async () => {
    const dir = tmpDir();
    const a = await openStore(dir, opts);
    a.journal.append({ a: alert(1) });
    await a.snapshot((n) => ({ ...emptyState(), n, alerts: [alert(1)] }));
    a.journal.append({ a: alert(2) });
    await a.journal.durable();
    await a.close();
    const live = path.join(dir, 'journal.jsonl');
    const size = fs.statSync(live).size;
    fs.appendFileSync(live, '{"n":3,"a":{"id');

    const b = await openStore(dir, opts);
    expect(b.restored.alerts.map((x) => x.id)).toEqual(['a1', 'a2']);
    expect(b.restored.n).toBe(2);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]).toContain(live);
    expect(fs.statSync(live).size).toBe(size);
    expect(b.journal.append({ a: alert(3) })).toBe(3);
    await b.journal.durable();
    await b.close();
    await turns();
    const c = await openStore(dir, opts);
    expect(c.warnings).toEqual([]);
    expect(c.restored.alerts.map((x) => x.id)).toEqual(['a1', 'a2', 'a3']);
    await c.close();
  });
});
