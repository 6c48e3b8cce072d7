// Which task ids left memory for the journal: a Bloom filter in generations, so a lookup of an id
// that was never here costs no journal scan (bar a ~1 % false positive), memory stays ~10 bits per
// archived id, and a generation whose newest id is past retention is dropped whole.
import { probe, type Bloom } from './bloom.ts';

export interface ArchiveGeneration {
  /** the bit array, base64 */
  bits: string;
  capacity: number;
  count: number;
  /** when the newest id went in (epoch ms) */
  newestAt: number;
}

export interface ArchiveIndex {
  add(id: string, at: number): void;
  /** false: certainly never archived; true: probably (read the journal to know) */
  has(id: string): boolean;
  /** drops generations whose every id is older than `cutoff` */
  prune(cutoff: number): void;
  toJSON(): ArchiveGeneration[];
  /** replaces what is held with a snapshot's generations (and ids from an older snapshot's plain list) */
  load(saved: readonly ArchiveGeneration[], legacyIds: readonly string[], at: number): void;
  /** bytes held */
  readonly bytes: number;
}

const BITS_PER_ID = 10;
const HASHES = 7;
const FIRST_CAPACITY = 16_384;
const MAX_CAPACITY = 1 << 22;

interface Gen extends Bloom {
  capacity: number;
  count: number;
  newestAt: number;
}

function fresh(capacity: number): Gen {
  return { bits: new Uint8Array(Math.ceil((capacity * BITS_PER_ID) / 8)), hashes: HASHES, capacity, count: 0, newestAt: 0 };
}

export function createArchiveIndex(): ArchiveIndex {
  const gens: Gen[] = [];
  const index: ArchiveIndex = {
    add(id, at) {
      let g = gens.at(-1);
      // A full generation starts the next, twice as large: memory follows what is archived.
      if (!g || g.count >= g.capacity) {
        g = fresh(Math.min(MAX_CAPACITY, g ? g.capacity * 2 : FIRST_CAPACITY));
        gens.push(g);
      }
      probe(g, id, true);
      g.count++;
      g.newestAt = Math.max(g.newestAt, at);
    },
    has: (id) => gens.some((g) => probe(g, id, false)),
    prune(cutoff) {
      // Only whole generations, oldest first: a generation goes once its newest id is past retention.
      while (gens.length > 0 && (gens[0]?.newestAt ?? 0) < cutoff) gens.shift();
    },
    load(saved, legacyIds, at) {
      gens.length = 0;
      for (const g of saved) {
        gens.push({ bits: new Uint8Array(Buffer.from(g.bits, 'base64')), hashes: HASHES, capacity: g.capacity, count: g.count, newestAt: g.newestAt });
      }
      for (const id of legacyIds) index.add(id, at);
    },
    toJSON: () => gens.map((g) => ({ bits: Buffer.from(g.bits).toString('base64'), capacity: g.capacity, count: g.count, newestAt: g.newestAt })),
    get bytes() {
      return gens.reduce((n, g) => n + g.bits.length, 0);
    },
  };
  return index;
}
