// Event-loop delay, sampled by perf_hooks; read by the detailed health and by /metrics.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopLag {
  /** milliseconds; 0 before the first sample */
  read(): { meanMs: number; p99Ms: number; maxMs: number };
  close(): void;
}

export function createLoopLag(resolutionMs = 10): LoopLag {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  // Every sample includes the sampling interval itself: only what exceeds it is lag.
  const ms = (ns: number) => (Number.isFinite(ns) && histogram.count > 0 ? Math.max(0, ns / 1e6 - resolutionMs) : 0);
  return {
    read: () => ({ meanMs: ms(histogram.mean), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) }),
    close: () => histogram.disable(),
  };
}
