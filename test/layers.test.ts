// The layer rule and 0 import cycles, types included, checked with dependency-cruiser (parsed by swc:
// the native TypeScript 7 compiler has no JS API). The rules live in .dependency-cruiser.cjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}
interface CruiseResult {
  summary: { violations: Violation[]; totalCruised: number };
  modules: { source: string; dependencies: { resolved: string }[] }[];
}

/** Cruises `dirs` under `cwd` with the project's rules; depcruise exits non-zero on a violation. */
function cruise(cwd: string, dirs: string[]): CruiseResult {
  let out: string;
  try {
    out = execFileSync(BIN, [...dirs, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', timeout: 60_000 });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? '';
  }
  return JSON.parse(out) as CruiseResult;
}

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-layers-'));
  tmp.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layers: machines ← policy ← config ← store ← runtime ← face ← http ← entry ← simulate ← cli', () => {
  it('the source tree breaks no layer rule and has no import cycle', () => {
    const result = cruise(ROOT, ['src', 'machines']);
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(50);
  });

  it('type-only imports count: the HTTP layer reaches the face through `import type`', () => {
    const app = cruise(ROOT, ['src', 'machines']).modules.find((m) => m.source === 'src/http/app.ts');
    expect(app?.dependencies.map((d) => d.resolved)).toContain('src/api.ts');
  });

  it('catches a runtime file importing HTTP, a type-only cycle, and HTTP reaching past the face', () => {
    const dir = tree({
      'src/types.ts': 'export type Id = string;\n',
      'src/api.ts': "export type { W } from './runtime/w.ts';\n",
      'src/runtime/w.ts': "import type { H } from '../http/h.ts';\nexport type W = { h?: H };\n",
      'src/http/h.ts': "import type { W } from '../runtime/w.ts';\nexport type H = { w?: W };\n",
    });
    const names = cruise(dir, ['src']).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(names).toContain('runtime-imports-no-layer-above-it: src/runtime/w.ts → src/http/h.ts');
    expect(names).toContain('http-imports-the-face-only: src/http/h.ts → src/runtime/w.ts');
    expect(names.some((n) => n.startsWith('no-cycles:'))).toBe(true);
  });

  it('puts simulate above the entry and below the CLI: it may run the runtime, nothing below may import it', () => {
    const dir = tree({
      'src/index.ts': "export { a } from './simulate/a.ts';\n",
      'src/simulate/a.ts': 'export const a = 1;\n',
      'src/simulate/b.ts': "import { r } from '../runtime/r.ts';\nexport const b = r;\n",
      'src/runtime/r.ts': "import { c } from '../simulate/c.ts';\nexport const r = c;\n",
      'src/simulate/c.ts': 'export const c = 1;\n',
      'src/cli.ts': "import { b } from './simulate/b.ts';\nexport const x = b;\n",
    });
    const names = cruise(dir, ['src']).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(names).toContain('entry-imports-no-layer-above-it: src/index.ts → src/simulate/a.ts');
    expect(names).toContain('runtime-imports-no-layer-above-it: src/runtime/r.ts → src/simulate/c.ts');
    expect(names.filter((n) => n.includes('src/simulate/b.ts →') || n.includes('src/cli.ts →'))).toEqual([]);
  });
});
