// Summarises a .cpuprofile: top functions by self time, and the time of everything below each
// project (src/, machines/) frame charged to the nearest such frame ("attributed").
//   npx tsx bench/top.ts file.cpuprofile [rows]
// tsx runs each module as one minified line; positions are mapped back to source lines through the
// source maps in tsx's cache (os.tmpdir()/tsx-<uid>), newest entry per file, when it is there.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
const prof = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const rows = Number(process.argv[3] ?? 25);

// source path -> SourceMap of the newest tsx cache entry for it
const maps = new Map<string, SourceMap>();
try {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `tsx-${uid}`);
  const entries = readdirSync(dir)
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  for (const f of entries) {
    try {
      const { map } = JSON.parse(readFileSync(f, 'utf8')) as { map?: { sources?: string[] } | string };
      const m = typeof map === 'string' ? (JSON.parse(map) as { sources?: string[] }) : map;
      const src = m?.sources?.[0];
      if (src && /\/(src|machines)\//.test(src)) maps.set(src, new SourceMap(m as never));
    } catch {
      // not a cache entry we understand
    }
  }
} catch {
  // no cache: fall back to generated positions
}

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'nm:').replace(/^.*\/work\/main\//, '');
function where(n: Node): string {
  const file = n.callFrame.url.replace(/^file:\/\//, '');
  const map = maps.get(file);
  if (map) {
    const e = map.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber) as { originalLine?: number };
    if (e.originalLine !== undefined) return `${short(n.callFrame.url)}:${e.originalLine + 1}`;
  }
  return `${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
}
const key = (n: Node) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}`;
const isOwn = (n: Node) => /\/work\/main\/(src|machines)\//.test(n.callFrame.url);

const self = new Map<string, number>();
const attributed = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id) as Node;
  self.set(key(n), (self.get(key(n)) ?? 0) + us);
  let cur: number | undefined = id;
  while (cur !== undefined && !isOwn(byId.get(cur) as Node)) cur = parent.get(cur);
  const k = cur === undefined ? '(not under project code: GC, idle, microtask glue, bench)' : key(byId.get(cur) as Node);
  attributed.set(k, (attributed.get(k) ?? 0) + us);
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  }
};
print('Self time', self);
print('Self time charged to the nearest src/ or machines/ frame', attributed);
