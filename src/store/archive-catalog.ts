// The catalogue of finished tasks that left memory: one JSON line each (its last state and its whole
// history, keyed by the seq of its first record), in files of at most FILE_TASKS tasks, each with a
// Bloom filter of its ids and its seq range kept in memory. A lookup by id reads the one file whose
// filter holds the id, a page of `list()` reads the files whose seq range it reaches, and retention
// deletes whole files; nothing here scans the journal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBloom, probe, type Bloom } from './bloom.ts';
import type { TransitionRecord } from '../types.ts';
import type { PersistedTask } from './state.ts';

export interface ArchivedTask {
  /** the seq of the task's first record: its place in creation order, stable across restarts */
  q: number;
  t: PersistedTask;
}

export interface CatalogPage {
  /** the first key to include (asc: q ≥ from; desc: q ≤ from); none: from the start */
  from?: number;
  order: 'asc' | 'desc';
  /** stop once this many matches are certain to be the first in order */
  limit: number;
  keep(t: PersistedTask): boolean;
}

export interface ArchiveCatalog {
  /** buffers one task that left memory; it is written with the rest of this turn's */
  add(task: ArchivedTask): void;
  /** writes what is buffered now (before a snapshot leaves the tasks out) */
  flush(): void;
  find(id: string): PersistedTask | undefined;
  /** archived tasks in key order past `from`, up to `limit` of those `keep` takes */
  page(p: CatalogPage): ArchivedTask[];
  /** deletes the files whose newest task finished before `cutoff` */
  prune(cutoff: number): void;
  close(): void;
}

/** tasks a file holds before the next begins: a lookup reads about one file of this many. @defaultValue 16384 */
export const FILE_TASKS = 16_384;
// 16 bits an id: about 0.05 % false positives a file, so a lookup rarely reads a second one.
const BITS_PER_ID = 16;
const LIVE = 'archive-live.jsonl';
const SEALED = /^archive-(\d{12})\.jsonl$/;

interface CatalogFile {
  file: string;
  bloom: Bloom;
  minQ: number;
  maxQ: number;
  newestAt: number;
  /** the oldest task's time (the live file only: it decides when the file is sealed) */
  oldestAt: number;
  count: number;
}

interface SavedIndex {
  minQ: number;
  maxQ: number;
  newestAt: number;
  count: number;
  hashes: number;
  bits: string;
}

function emptyFile(file: string, capacity: number): CatalogFile {
  return { file, bloom: createBloom(capacity, BITS_PER_ID), minQ: Infinity, maxQ: -Infinity, newestAt: 0, oldestAt: Infinity, count: 0 };
}

function note(f: CatalogFile, a: ArchivedTask) {
  probe(f.bloom, a.t.ctx.id, true);
  f.minQ = Math.min(f.minQ, a.q);
  f.maxQ = Math.max(f.maxQ, a.q);
  f.newestAt = Math.max(f.newestAt, a.t.updatedAt);
  f.oldestAt = Math.min(f.oldestAt, a.t.updatedAt);
  f.count++;
}

/** The complete lines of a catalogue file (only those holding `needle`, when given: the others are
 * not parsed); a torn last line (a crash mid-write) is left out. */
function readLines(file: string, needle?: string): ArchivedTask[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return []; // pruned meanwhile
  }
  const out: ArchivedTask[] = [];
  const next = (from: number) => (needle === undefined ? from : text.indexOf(needle, from));
  for (let at = next(0); at !== -1 && at < text.length; ) {
    const start = text.lastIndexOf('\n', at - 1) + 1;
    const end = text.indexOf('\n', at);
    if (end === -1) break;
    try {
      out.push(decode(JSON.parse(text.slice(start, end)) as ArchivedTask));
    } catch {
      // a damaged line: skipped, the journal still holds the task's records
    }
    at = next(end + 1);
  }
  return out;
}

/** A history record as a line stores it: without what every record of the task repeats. */
type StoredRecord = Omit<TransitionRecord, 'kind' | 'id' | 'agent'> & { agent?: string };

/** Drops kind, id and (when it is the task's) agent from each record: about a third of a line. */
function encode(a: ArchivedTask): ArchivedTask {
  const { ctx } = a.t;
  const history = a.t.history.map(({ kind: _kind, id: _id, agent, ...rest }): StoredRecord => (agent === ctx.agent ? rest : { ...rest, agent }));
  return { q: a.q, t: { ...a.t, history: history as TransitionRecord[] } };
}

function decode(a: ArchivedTask): ArchivedTask {
  const { ctx } = a.t;
  a.t.history = (a.t.history as StoredRecord[]).map(({ from, to, event, attempt, agent, seq, at, ...rest }) => ({
    kind: 'task' as const,
    id: ctx.id,
    from,
    to,
    event,
    attempt,
    agent: agent ?? ctx.agent,
    seq,
    at,
    ...rest,
  }));
  return a;
}

const indexFile = (file: string) => file.replace(/\.jsonl$/, '.idx.json');

function saveIndex(f: CatalogFile) {
  const saved: SavedIndex = { minQ: f.minQ, maxQ: f.maxQ, newestAt: f.newestAt, count: f.count, hashes: f.bloom.hashes, bits: Buffer.from(f.bloom.bits).toString('base64') };
  fs.writeFileSync(indexFile(f.file), JSON.stringify(saved));
}

function loadIndex(file: string, capacity: number): CatalogFile {
  try {
    const s = JSON.parse(fs.readFileSync(indexFile(file), 'utf8')) as SavedIndex;
    return { file, bloom: { bits: new Uint8Array(Buffer.from(s.bits, 'base64')), hashes: s.hashes }, minQ: s.minQ, maxQ: s.maxQ, newestAt: s.newestAt, oldestAt: -Infinity, count: s.count };
  } catch {
    // no index (a crash between the file and its index): rebuilt from the file
    const f = emptyFile(file, capacity);
    for (const a of readLines(file)) note(f, a);
    saveIndex(f);
    return f;
  }
}

/** The sealed files a previous run left, oldest first, each with its index (rebuilt when missing). */
function loadSealed(dir: string, capacity: number): CatalogFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => SEALED.test(f))
    .sort()
    .map((f) => loadIndex(path.join(dir, f), capacity));
}

export function openArchiveCatalog(
  dir: string,
  opts: {
    fileTasks?: number;
    /** a file takes tasks that finished within this span at most, so retention frees disk soon after their time. @defaultValue Infinity */
    fileSpanMs?: number;
    onError?: (err: unknown) => void;
  } = {},
): ArchiveCatalog {
  const fileTasks = opts.fileTasks ?? FILE_TASKS;
  const spanMs = opts.fileSpanMs ?? Infinity;
  const sealed = loadSealed(dir, fileTasks);
  let live = emptyFile(path.join(dir, LIVE), fileTasks);
  let buffer: string[] = [];
  let scheduled = false;
  /** the live file, open for appends from its first write until it is sealed */
  let fd: number | undefined;

  function closeLive() {
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
  }

  /** closes the live file as a sealed one, named after its largest key */
  function seal() {
    if (live.count === 0) return;
    closeLive();
    const file = path.join(dir, `archive-${String(live.maxQ).padStart(12, '0')}.jsonl`);
    fs.renameSync(live.file, file);
    live.file = file;
    saveIndex(live);
    sealed.push(live);
    live = emptyFile(path.join(dir, LIVE), fileTasks);
  }

  // What a previous run left in the live file is sealed as it is: the new live file starts empty.
  for (const a of readLines(live.file)) note(live, a);
  if (live.count === 0) fs.rmSync(live.file, { force: true });
  seal();

  function flush() {
    scheduled = false;
    if (buffer.length === 0) return;
    const text = buffer.join('');
    buffer = [];
    // A failed write loses no task: the journal still holds its records (get() folds them from there).
    try {
      const buf = Buffer.from(text);
      fd ??= fs.openSync(live.file, 'a');
      for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off);
      if (live.count >= fileTasks) seal();
    } catch (err) {
      opts.onError?.(err);
    }
  }

  const all = () => [...sealed, live];

  return {
    add(a) {
      if (live.count >= fileTasks) flush();
      if (live.count > 0 && a.t.updatedAt - live.oldestAt >= spanMs) {
        flush();
        seal();
      }
      note(live, a);
      buffer.push(`${JSON.stringify(encode(a))}\n`);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    find(id) {
      flush();
      return findIn(all(), id);
    },
    page(p) {
      flush();
      return readPage(all(), p);
    },
    prune(cutoff) {
      flush();
      pruneSealed(sealed, cutoff);
      if (live.count > 0 && live.newestAt < cutoff) {
        closeLive();
        fs.rmSync(live.file, { force: true });
        live = emptyFile(live.file, fileTasks);
      }
    },
    close() {
      flush();
      closeLive();
    },
  };
}

/** The task `id` from the first file whose filter holds it; only lines naming the id are parsed. */
function findIn(files: CatalogFile[], id: string): PersistedTask | undefined {
  const needle = `"id":${JSON.stringify(id)}`;
  for (const f of files) {
    if (!probe(f.bloom, id, false)) continue;
    const hit = readLines(f.file, needle).find((a) => a.t.ctx.id === id);
    if (hit) return hit.t;
  }
  return undefined;
}

/** One page in key order, read from the files whose seq range reaches it. */
function readPage(all: CatalogFile[], { from, order, limit, keep }: CatalogPage): ArchivedTask[] {
  const asc = order === 'asc';
  const reaches = (f: CatalogFile) => f.count > 0 && (from === undefined || (asc ? f.maxQ >= from : f.minQ <= from));
  const files = all.filter(reaches).sort((a, b) => (asc ? a.minQ - b.minQ : b.maxQ - a.maxQ));
  const before = (x: number, y: number) => (asc ? x < y : x > y);
  let found: ArchivedTask[] = [];
  for (const f of files) {
    // Files overlap little (tasks leave about in creation order): stop once a file starts past the page.
    const last = found[limit - 1];
    if (last && before(last.q, asc ? f.minQ : f.maxQ)) break;
    for (const a of readLines(f.file)) {
      if (from !== undefined && before(a.q, from)) continue;
      if (keep(a.t)) found.push(a);
    }
    found.sort((x, y) => (asc ? x.q - y.q : y.q - x.q));
    found = found.slice(0, limit);
  }
  return found;
}

/** Deletes the sealed files (and their indexes) whose newest task finished before `cutoff`. */
function pruneSealed(sealed: CatalogFile[], cutoff: number) {
  for (const f of sealed.filter((s) => s.newestAt < cutoff)) {
    fs.rmSync(f.file, { force: true });
    fs.rmSync(indexFile(f.file), { force: true });
    sealed.splice(sealed.indexOf(f), 1);
  }
}
