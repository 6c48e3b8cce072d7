// Seeded randomness for the simulator: mulberry32 streams, one per purpose, derived from the run's
// seed and a name, so the traffic two configs see under one seed is the same whatever each policy
// does with it (a policy that retries more draws more from its own call stream, not from the arrivals').
export type Random = () => number;

/** mulberry32: a small, fast 32-bit PRNG; returns numbers in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of `name`, mixed with `seed`: the seed of the stream called `name`. */
function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The stream `name` of the run seeded with `seed`. */
export function stream(seed: number, name: string): Random {
  return mulberry32(streamSeed(seed, name));
}

/** A uniform draw in [min, max]. */
export function between(random: Random, [min, max]: readonly [number, number]): number {
  return min + random() * (max - min);
}

/** The wait until the next arrival of a Poisson process with `perMs` arrivals per ms. */
export function exponential(random: Random, perMs: number): number {
  return -Math.log(1 - random()) / perMs;
}

/** An item drawn with probability proportional to its weight; undefined for an empty list. */
export function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T | undefined {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = random() * total;
  for (const item of items) if ((r -= item.weight) < 0) return item;
  return items.at(-1);
}
