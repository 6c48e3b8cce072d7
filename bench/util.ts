// Small helpers for the bench: a GC handle, a clock, medians, number formatting.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A `gc()` that works with or without `--expose-gc`: when the flag is missing, it is turned on at
 * run time and the function fetched from a fresh context (a documented V8 trick; good enough for a bench).
 */
export const gc: (() => void) | undefined = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const fresh = runInNewContext('gc') as unknown;
    return typeof fresh === 'function' ? (fresh as () => void) : undefined;
  } catch {
    return undefined;
  }
})();

export const gcSource = typeof (globalThis as { gc?: unknown }).gc === 'function' ? '--expose-gc' : gc ? 'v8 flag at run time' : 'none';

/** Lets pending callbacks drain, then collects garbage `passes` times (weak refs and finalizers
 * need more than one pass for an exact heap figure; one is enough to start a sample clean). */
export async function settle(passes = 1): Promise<void> {
  await new Promise((r) => setImmediate(r));
  if (!gc) return;
  for (let i = 0; i < passes; i++) gc();
  await new Promise((r) => setImmediate(r));
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function fmtRate(opsPerSec: number): string {
  return Math.round(opsPerSec).toLocaleString('en-US');
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '-';
  if (r >= 0.1) return `${r.toFixed(2)}×`;
  return `${r.toPrecision(2)}× (1/${Math.round(1 / r).toLocaleString('en-US')})`;
}

export function fmtBytes(b: number): string {
  if (Math.abs(b) >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(b) >= 1024) return `${(b / 1024).toFixed(2)} KiB`;
  return `${Math.round(b)} B`;
}

/** A plain fixed-width table: first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
