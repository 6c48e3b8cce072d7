// One process's view of the simulated clock. A kill -9 ends a process's timers all at once: its view
// dies, every timer it armed is cleared and nothing it arms afterwards fires, while the clock itself
// (and the next process's view of it) goes on.
import type { Clock, SimulatedClock, TimerHandle } from '../index.ts';

export interface ClockView extends Clock {
  kill(): void;
  /** killed: its process is gone */
  readonly dead: boolean;
}

export function clockView(clock: SimulatedClock): ClockView {
  let dead = false;
  const armed = new Set<TimerHandle>();
  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      if (dead) return undefined;
      const handle = clock.setTimeout(() => {
        armed.delete(handle);
        if (!dead) fn();
      }, ms);
      armed.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      if (handle === undefined) return;
      armed.delete(handle);
      clock.clearTimeout(handle);
    },
    get dead() {
      return dead;
    },
    kill() {
      dead = true;
      for (const h of armed) clock.clearTimeout(h);
      armed.clear();
    },
  };
}
