// A Bloom filter over string ids in a plain byte array: "certainly not here" or "probably here".
export interface Bloom {
  bits: Uint8Array;
  hashes: number;
}

/** Bits for `capacity` ids at `bitsPerId` bits each, with the hash count that minimises false positives. */
export function createBloom(capacity: number, bitsPerId: number): Bloom {
  return { bits: new Uint8Array(Math.ceil((capacity * bitsPerId) / 8)), hashes: Math.max(1, Math.round(bitsPerId * Math.LN2)) };
}

/** Two 32-bit FNV-1a hashes of the id; the k probes are h1 + i·h2 (Kirsch–Mitzenmacher). */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [a >>> 0, (b | 1) >>> 0];
}

/** Sets the id's bits (`set`), or tells whether all of them are set. */
export function probe(bloom: Bloom, id: string, set: boolean): boolean {
  const m = bloom.bits.length * 8;
  const [h1, h2] = hashes(id);
  let all = true;
  for (let i = 0; i < bloom.hashes; i++) {
    const bit = (h1 + i * h2) % m;
    const byte = bit >>> 3;
    const mask = 1 << (bit & 7);
    if (set) bloom.bits[byte]! |= mask;
    else if ((bloom.bits[byte]! & mask) === 0) all = false;
  }
  return all;
}
