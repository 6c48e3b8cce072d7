// The journal: JSONL lines appended with group commit (all lines of one event-loop turn in one write),
// rotated into numbered segments when a snapshot covers them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WardenError } from '../errors.ts';
import { AGENT_LIFECYCLES, CIRCUIT_STATES, GATE_STATES, SUPERVISOR_STATUSES, TASK_STATUSES, type Durability as DurabilityMode } from '../types.ts';
import type { JournalLine } from './state.ts';

/** what the journal itself does: 'memory' never opens one */
export type Durability = Exclude<DurabilityMode, 'memory'>;
type Unnumbered = JournalLine extends infer L ? (L extends JournalLine ? Omit<L, 'n'> : never) : never;

export const LIVE_JOURNAL = 'journal.jsonl';
const SEGMENT = /^journal-(\d+)\.jsonl$/;

export interface JournalWriter {
  /** numbers the line and buffers it; it goes out with the rest of this turn's lines */
  append(line: Unnumbered): number;
  /** resolves once every line appended so far is written (and synced, under 'fsync') */
  durable(): Promise<void>;
  /** writes the buffer now */
  flushSync(): void;
  /** closes the live journal as a segment named after its last line and starts a new one */
  rotate(): void;
  close(): Promise<void>;
  readonly n: number;
}

interface Waiter {
  batch: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The live file's descriptor and its group-commit count: what a flush, a sync and a waiter share. */
interface Batches {
  fd: number;
  batch: number; // batches handed to the OS
  synced: number; // batches known to be on disk
  syncing: boolean;
  syncAgain: boolean;
  waiters: Waiter[];
}

export function openJournal(dir: string, opts: { durability: Durability; n: number; onError: (err: unknown) => void }): JournalWriter {
  const file = path.join(dir, LIVE_JOURNAL);
  const fsync = opts.durability === 'fsync';
  const b: Batches = { fd: fs.openSync(file, 'a'), batch: 0, synced: 0, syncing: false, syncAgain: false, waiters: [] };
  let n = opts.n;
  // A live journal that holds no line yet (fresh, or just rotated) has nothing to rotate.
  let rotatedAt = fs.fstatSync(b.fd).size === 0 ? n : -1;
  let buffer: string[] = [];
  let scheduled = false;
  let failure: unknown;
  // Created once: the sync callback reaches the writer's failure through these.
  const settleNow = () => settle(b, fsync, failure);
  const syncFailed = (err: Error) => {
    failure = new WardenError('not_running', `cannot sync the journal ${file}: ${err.message}`, { file });
    opts.onError(failure);
  };

  function flushSync() {
    scheduled = false;
    if (buffer.length === 0 || failure !== undefined) return;
    const data = buffer.join('');
    buffer = [];
    try {
      writeAll(b.fd, data);
    } catch (err) {
      failure = new WardenError('not_running', `cannot write the journal ${file}: ${(err as Error).message}`, { file });
      opts.onError(failure);
      settleNow();
      return;
    }
    b.batch++;
    if (fsync) requestSync(b, syncFailed, settleNow);
    settleNow();
  }

  return {
    append(line) {
      if (failure !== undefined) throw failure;
      n++;
      // `n` is prefixed as text: a spread copy of every line only to add one number costs more than the line.
      buffer.push(`{"n":${n},${JSON.stringify(line).slice(1)}\n`);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushSync);
      }
      return n;
    },
    durable() {
      if (failure !== undefined) return Promise.reject(failure);
      const target = buffer.length > 0 ? b.batch + 1 : b.batch;
      const done = fsync ? b.synced : b.batch;
      if (target <= done) return Promise.resolve();
      return new Promise((resolve, reject) => b.waiters.push({ batch: target, resolve, reject }));
    },
    flushSync,
    rotate() {
      flushSync();
      // Nothing since the last rotation: renaming the empty live file would clobber that segment.
      if (n === rotatedAt) return;
      b.fd = rotateLive(dir, file, b.fd, n, fsync);
      rotatedAt = n;
    },
    async close() {
      flushSync();
      while (b.syncing) await new Promise((r) => setImmediate(r));
      if (fsync && failure === undefined) fs.fdatasyncSync(b.fd);
      b.synced = b.batch;
      settleNow();
      fs.closeSync(b.fd);
    },
    get n() {
      return n;
    },
  };
}

/** Resolves the waiters whose batch is done (synced under 'fsync', written otherwise); a failure rejects them all. */
function settle(b: Batches, fsync: boolean, failure: unknown) {
  const done = fsync ? b.synced : b.batch;
  if (failure !== undefined) {
    for (const w of b.waiters) w.reject(failure);
    b.waiters = [];
    return;
  }
  if (b.waiters.length === 0 || b.waiters[0]!.batch > done) return;
  const ready = b.waiters.filter((w) => w.batch <= done);
  b.waiters = b.waiters.filter((w) => w.batch > done);
  for (const w of ready) w.resolve();
}

// One fdatasync covers every batch written before it; requests made meanwhile share the next one.
function requestSync(b: Batches, failed: (err: Error) => void, settled: () => void) {
  if (b.syncing) {
    b.syncAgain = true;
    return;
  }
  b.syncing = true;
  const target = b.batch;
  fs.fdatasync(b.fd, (err) => {
    b.syncing = false;
    if (err) failed(err);
    else b.synced = Math.max(b.synced, target);
    settled();
    if (b.syncAgain) {
      b.syncAgain = false;
      requestSync(b, failed, settled);
    }
  });
}

/** Closes the live journal as the segment ending at line `n` and opens a new one; returns its descriptor. */
function rotateLive(dir: string, file: string, fd: number, n: number, fsync: boolean): number {
  if (fsync) fs.fdatasyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(file, path.join(dir, segmentName(n)));
  return fs.openSync(file, 'a');
}

function writeAll(fd: number, data: string) {
  const buf = Buffer.from(data);
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off);
}

export function segmentName(lastN: number): string {
  return `journal-${String(lastN).padStart(12, '0')}.jsonl`;
}

/** Journal files to replay, oldest first: segments whose last line is past `afterN`, then the live journal. */
export function journalFiles(dir: string, afterN: number): string[] {
  const segments = fs
    .readdirSync(dir)
    .map((f) => ({ f, m: SEGMENT.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ f: x.f, last: Number(x.m[1]) }))
    .filter((x) => x.last > afterN)
    .sort((a, b) => a.last - b.last)
    .map((x) => path.join(dir, x.f));
  const live = path.join(dir, LIVE_JOURNAL);
  return fs.existsSync(live) ? [...segments, live] : segments;
}

export interface ReadResult {
  lines: JournalLine[];
  /** byte length of the complete lines; a torn tail starts here */
  validBytes: number;
  torn?: { offset: number; bytes: number };
}

/** Parses one journal file. A line cut short at the very end is a torn write (expected after a crash); anywhere else it is corruption. */
export function readJournalFile(file: string): ReadResult {
  const buf = fs.readFileSync(file);
  const lines: JournalLine[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const end = buf.indexOf(0x0a, start);
    if (end === -1) return { lines, validBytes: start, torn: { offset: start, bytes: buf.length - start } };
    lineNo++;
    const text = buf.toString('utf8', start, end);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw corrupt(file, lineNo, start, `is not JSON (${(err as Error).message})`);
    }
    const problem = lineProblem(parsed);
    if (problem) throw corrupt(file, lineNo, start, problem);
    lines.push(parsed as JournalLine);
    start = end + 1;
  }
  return { lines, validBytes: start };
}

function corrupt(file: string, lineNo: number, offset: number, what: string): WardenError {
  return new WardenError(
    'corrupt_state',
    `${file}: line ${lineNo} (byte ${offset}) ${what}. Nothing was changed. Move the file aside or restore it from a backup, then start again.`,
    { file, line: lineNo, offset },
  );
}

function lineProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'is not a JSON object';
  const o = x as Record<string, unknown>;
  if (!Number.isSafeInteger(o.n) || (o.n as number) < 1) return 'has no valid line number "n"';
  if ('r' in o) {
    const r = o.r as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || typeof r.to !== 'string' || !Number.isSafeInteger(r.seq)) {
      return 'has a malformed transition record';
    }
    if ('task' in o) return stateProblem('task', o.task);
    if ('agent' in o) return stateProblem('agent', o.agent);
    if ('sup' in o) return stateProblem('supervisor', o.sup);
    if ('provider' in o) return stateProblem('provider', o.provider);
    return 'has a record without its state';
  }
  if ('c' in o || 'a' in o) return undefined;
  if ('hb' in o) return typeof (o.hb as { id?: unknown } | null)?.id === 'string' ? undefined : 'has a malformed heartbeat';
  if ('ag' in o) {
    const ag = o.ag as { id?: unknown; state?: unknown } | null;
    if (typeof ag?.id !== 'string') return 'has a malformed agent state';
    return stateProblem('agent', ag.state);
  }
  return 'is not a known kind of journal line';
}

/** The states a line names must be ones the machines still have. */
function stateProblem(kind: string, s: unknown): string | undefined {
  const o = s as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) return `has no ${kind} state`;
  if (kind === 'task' && !(TASK_STATUSES as readonly unknown[]).includes(o.status)) {
    return `names a task status the machines do not have: ${JSON.stringify(o.status)}`;
  }
  if (kind === 'agent') {
    if (!(CIRCUIT_STATES as readonly unknown[]).includes(o.circuit)) return `names a circuit state the machines do not have: ${JSON.stringify(o.circuit)}`;
    if (!(AGENT_LIFECYCLES as readonly unknown[]).includes(o.lifecycle)) {
      return `names an agent lifecycle the machines do not have: ${JSON.stringify(o.lifecycle)}`;
    }
  }
  if (kind === 'provider' && !(GATE_STATES as readonly unknown[]).includes(o.gate)) {
    return `names a gate state the machines do not have: ${JSON.stringify(o.gate)}`;
  }
  if (kind === 'supervisor' && !(SUPERVISOR_STATUSES as readonly unknown[]).includes(o.status)) {
    return `names a supervisor status the machines do not have: ${JSON.stringify(o.status)}`;
  }
  return undefined;
}

/**
 * The complete lines of one journal file that contain `needle` (a task id), parsed; a file without it
 * is skipped unparsed, so looking one task up costs about a read of the files, not a parse of each line.
 */
export function readJournalLinesWith(file: string, needle: string): JournalLine[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return []; // pruned or rotated meanwhile
  }
  const out: JournalLine[] = [];
  for (let at = text.indexOf(needle); at !== -1; ) {
    const start = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at);
    if (end === -1) break; // a torn tail
    try {
      out.push(JSON.parse(text.slice(start, end)) as JournalLine);
    } catch {
      // a damaged line: the restore reports it; a lookup just skips it
    }
    at = text.indexOf(needle, end);
  }
  return out;
}

/** The time of the newest record in a segment (from its last lines), or undefined when it holds none. */
export function segmentNewestAt(file: string): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    // Records are small: the last 256 KiB hold the last record unless the tail is all big checkpoints.
    const length = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const at = (JSON.parse(lines[i] ?? '') as { r?: { at?: unknown } }).r?.at;
        if (typeof at === 'number') return at;
      } catch {
        // a partial first line of the window, or the empty tail
      }
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Deletes journal segments (never the live file) whose newest record is older than `cutoff` (epoch ms
 * on the runtime's clock, which is why a file's mtime is not used); `seen` caches each segment's time.
 * Segments are only ever covered by a snapshot, so a restore never needs one that is gone.
 */
export function pruneSegments(dir: string, cutoff: number, seen: Map<string, number | undefined>): number {
  let freed = 0;
  for (const f of fs.readdirSync(dir)) {
    if (!SEGMENT.test(f)) continue;
    const file = path.join(dir, f);
    try {
      if (!seen.has(f)) seen.set(f, segmentNewestAt(file));
      const newest = seen.get(f);
      if (newest === undefined || newest >= cutoff) continue;
      freed += fs.statSync(file).size;
      fs.rmSync(file, { force: true });
      seen.delete(f);
    } catch {
      // gone meanwhile
    }
  }
  return freed;
}

/** Bytes of the files directly in the data directory (snapshot, its backup, journal segments, lock, token). */
export function dataDirBytes(dir: string): number {
  let total = 0;
  for (const f of fs.readdirSync(dir)) {
    try {
      const st = fs.statSync(path.join(dir, f));
      if (st.isFile()) total += st.size;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
