// durability 'fsync' proven on the real syscalls: a Warden process (test/fixtures/durability-worker.ts)
// runs under `strace -f`, and the trace shows, for cancel, reportFailure, retry and resolve, the journal
// write holding the call's transition, then a completed fdatasync of the journal, then the call's
// promise resolving (the worker fsyncs a marker file right after it). Under 'write' the journal is never
// synced. strace is installed by .ci/run; this file skips itself only where strace is missing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = path.join(ROOT, 'test/fixtures/durability-worker.ts');
const hasStrace = spawnSync('strace', ['-V']).status === 0;

interface Sys {
  call: 'write' | 'pwrite64' | 'fdatasync' | 'fsync';
  file: string;
  /** the data of a write, as strace prints it */
  data: string;
}

/** Completed syscalls in the order they returned (an `<unfinished ...>` call counts when it resumes). */
export function parseTrace(text: string): Sys[] {
  const out: Sys[] = [];
  const pending = new Map<string, Sys>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid = '', rest = ''] = m;
    const resumed = /^<\.\.\. (\w+) resumed>.*= (-?\d+)/.exec(rest);
    if (resumed) {
      const sys = pending.get(pid);
      pending.delete(pid);
      if (sys && Number(resumed[2]) >= 0) out.push(sys);
      continue;
    }
    const start = /^(write|pwrite64|fdatasync|fsync)\(\d+<([^>]*)>(?:, "((?:[^"\\]|\\.)*)")?/.exec(rest);
    if (!start) continue;
    const sys: Sys = { call: start[1] as Sys['call'], file: start[2] ?? '', data: start[3] ?? '' };
    if (rest.endsWith('<unfinished ...>')) pending.set(pid, sys);
    else if (/= \d+$/.test(rest)) out.push(sys);
  }
  return out;
}

function traced(durability: 'fsync' | 'write'): { trace: Sys[]; stdout: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-fsync-'));
  const traceFile = path.join(dir, 'trace');
  try {
    const args = ['-f', '-y', '-qq', '-s', '65536', '-e', 'trace=write,pwrite64,fdatasync,fsync', '-o', traceFile];
    const run = spawnSync('strace', [...args, process.execPath, '--import', 'tsx', WORKER, path.join(dir, 'data'), durability], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status, run.stderr).toBe(0);
    return { trace: parseTrace(fs.readFileSync(traceFile, 'utf8')), stdout: run.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isJournal = (s: Sys) => s.file.endsWith('/journal.jsonl');
const isMark = (name: string) => (s: Sys) => s.call === 'fsync' && s.file.endsWith(`/mark-${name}`);
const isSync = (s: Sys) => isJournal(s) && (s.call === 'fdatasync' || s.call === 'fsync');
const isWrite = (s: Sys) => isJournal(s) && (s.call === 'write' || s.call === 'pwrite64');

/** The calls the worker makes, in order, each with the transition its journal line must hold. */
const CALLS: [previous: string, call: string, to: string][] = [
  ['submit', 'cancel', 'CANCELLED'],
  ['submit2', 'reportFailure', 'ESCALATED'],
  ['reportFailure', 'retry', 'ASSIGNED'],
  ['reportFailure2', 'resolve', 'SUCCEEDED'],
];

/** The syscalls between the marker of `previous` and that of `call`. */
function between(trace: Sys[], previous: string, call: string): Sys[] {
  const from = trace.findIndex(isMark(previous));
  const to = trace.findIndex(isMark(call));
  expect(from, `marker of ${previous}`).toBeGreaterThanOrEqual(0);
  expect(to, `marker of ${call}`).toBeGreaterThan(from);
  return trace.slice(from + 1, to);
}

describe.skipIf(!hasStrace)("durability 'fsync' on the real syscalls (strace)", () => {
  it('cancel, reportFailure, retry and resolve resolve only after their journal line is written and fdatasync-ed', () => {
    const { trace, stdout } = traced('fsync');
    expect(stdout.trim()).toBe('CANCELLED SUCCEEDED');
    for (const [previous, call, to] of CALLS) {
      const span = between(trace, previous, call);
      const written = span.findLastIndex((s) => isWrite(s) && s.data.includes(`\\"to\\":\\"${to}\\"`));
      expect(written, `${call}: a journal write with "to":"${to}" before the call resolved`).toBeGreaterThanOrEqual(0);
      const synced = span.findIndex((s, i) => i > written && isSync(s));
      expect(synced, `${call}: a completed fdatasync of the journal after its line and before the call resolved`).toBeGreaterThan(written);
    }
  });

  it("under 'write' the same calls write the journal and never sync it", () => {
    const { trace, stdout } = traced('write');
    expect(stdout.trim()).toBe('CANCELLED SUCCEEDED');
    for (const [previous, call, to] of CALLS) {
      const span = between(trace, previous, call);
      expect(span.some((s) => isWrite(s) && s.data.includes(`\\"to\\":\\"${to}\\"`)), `${call} wrote its line`).toBe(true);
    }
    expect(trace.filter(isSync)).toEqual([]);
  });
});
