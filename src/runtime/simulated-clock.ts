// A clock whose time moves only when told to: advance(ms) fires every timer that falls due, in time
// order, at its own time, and lets the promises and event-loop turns it starts settle before the next.
// A day of retries, backoffs, open circuits and restarts runs in as long as the work itself takes.
import type { Clock, TimerHandle } from '../types.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export interface SimulatedClockOptions {
  /** the clock's time at creation. @defaultValue 0 */
  start?: number;
  /** event-loop turns (setImmediate) given to the runtime after each fired timer. @defaultValue 2 */
  settleTurns?: number;
}

export class SimulatedClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #settleTurns: number;
  /** a binary min-heap on (at, id): timers due at the same time fire in the order they were armed */
  readonly #heap: Timer[] = [];
  readonly #live = new Set<number>();

  constructor(opts: SimulatedClockOptions = {}) {
    this.#now = opts.start ?? 0;
    this.#settleTurns = opts.settleTurns ?? 2;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { id: this.#nextId++, at: this.#now + delay, fn };
    this.#live.add(timer.id);
    this.#push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    // The heap entry stays; it is skipped when it surfaces.
    if (typeof handle === 'number') this.#live.delete(handle);
  }

  /** timers armed and not yet fired or cleared */
  get pending(): number {
    return this.#live.size;
  }

  /** Moves time forward by `ms`, firing each timer that falls due on the way, at its own time. */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a finite ms >= 0, got ${String(ms)}`);
    const target = this.#now + ms;
    await this.#settle();
    for (let t = this.#peek(); t && t.at <= target; t = this.#peek()) await this.#fire(t);
    this.#now = target;
    await this.#settle();
  }

  /** Jumps to the next timer and fires it; false when none is armed. */
  async next(): Promise<boolean> {
    await this.#settle();
    const t = this.#peek();
    if (!t) return false;
    await this.#fire(t);
    return true;
  }

  /** Fires timers in order until `done()` holds or `maxMs` of simulated time would pass; returns whether it held. */
  async runUntil(done: () => boolean, maxMs = 86_400_000): Promise<boolean> {
    const limit = this.#now + maxMs;
    await this.#settle();
    while (!done()) {
      const t = this.#peek();
      if (!t || t.at > limit) return done();
      await this.#fire(t);
    }
    return true;
  }

  async #fire(t: Timer): Promise<void> {
    this.#pop();
    this.#live.delete(t.id);
    this.#now = Math.max(this.#now, t.at);
    t.fn();
    await this.#settle();
  }

  async #settle(): Promise<void> {
    for (let i = 0; i < this.#settleTurns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** the earliest live timer, dropping cleared ones from the top */
  #peek(): Timer | undefined {
    while (this.#heap.length > 0 && !this.#live.has(this.#heap[0]!.id)) this.#pop();
    return this.#heap[0];
  }

  #push(t: Timer): void {
    const h = this.#heap;
    h.push(t);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (h.length === 0 || !last) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}
