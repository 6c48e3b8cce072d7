// The real clock (Date.now and Node's timers), and small helpers that work on any Clock.
import type { Clock, TimerHandle } from '../types.ts';

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The clock an option set asks for: `clock`, else the real one (with `now` overriding its time). */
export function resolveClock(opts: { clock?: Clock; now?: () => number }): Clock {
  if (opts.clock) return opts.clock;
  if (!opts.now) return realClock;
  const now = opts.now;
  return { now: () => now(), setTimeout: realClock.setTimeout, clearTimeout: realClock.clearTimeout };
}

/** A real timer must not keep the process alive on its own; a simulated one has nothing to unref. */
export function unref(handle: TimerHandle): TimerHandle {
  (handle as { unref?: () => void } | null)?.unref?.();
  return handle;
}

export interface Repeating {
  stop(): void;
}

/** Runs `fn` every `ms` on `clock` (a Clock has no setInterval: each run re-arms the next). */
export function every(clock: Clock, ms: number, fn: () => void): Repeating {
  let handle: TimerHandle;
  let stopped = false;
  const arm = () => {
    handle = unref(
      clock.setTimeout(() => {
        if (stopped) return;
        arm();
        fn();
      }, ms),
    );
  };
  arm();
  return {
    stop() {
      stopped = true;
      clock.clearTimeout(handle);
    },
  };
}

/** Resolves after `ms` on `clock`, or when `cancel()` is called (whichever first). */
export function sleep(clock: Clock, ms: number): { done: Promise<void>; cancel(): void } {
  let handle: TimerHandle;
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    wake = resolve;
    handle = clock.setTimeout(resolve, ms);
  });
  return {
    done,
    cancel() {
      clock.clearTimeout(handle);
      wake();
    },
  };
}

/** setTimeout fires at once for delays past 2^31-1 ms; never hand it more. */
const MAX_TIMER_MS = 2_147_483_647;

/** The delay to arm for a deadline in a machine's context: what is left of it, never negative, never past setTimeout's range. */
export function remaining(deadline: number | undefined, now: () => number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, (deadline ?? 0) - now()));
}
