// New task ids: a random UUID as one flat string.
import { randomUUID } from 'node:crypto';

/**
 * Node 20 builds `randomUUID()` by concatenation, so V8 holds it as a tree of ~14 cons strings
 * (~490 bytes) until something flattens it. A task keeps its id for life, in its entry, its
 * context and every record: JSON.parse of the quoted id makes one flat 36-byte string instead
 * (~56 bytes), which also hashes and compares without walking the tree.
 */
export function newTaskId(): string {
  return JSON.parse(`"${randomUUID()}"`) as string;
}
