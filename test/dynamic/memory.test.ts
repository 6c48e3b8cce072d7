// Adding 1,000 pool members and removing them keeps memory flat: in a child process with --expose-gc
// (test/fixtures/pool-memory.ts), the agents map and the pool's children list return to their size
// after every round, and the heap after GC stays within a bound from round to round. Not a timing.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'test/fixtures/pool-memory.ts');

interface Round { agents: number; poolChildren: number; poolSpecs: number; heapUsed: number; full?: number }

describe('1,000 pool members added and removed', () => {
  it('leave nothing behind: the structures return to their size and the heap stays flat after GC', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT], {
      cwd: ROOT,
      timeout: 90_000,
      env: { ...process.env, MEMBERS: '1000', ROUNDS: '4' },
    });
    const { rounds } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { rounds: Round[] };
    expect(rounds).toHaveLength(5);
    for (const r of rounds.slice(1)) {
      expect(r.full).toBe(1001);
      expect(r).toMatchObject({ agents: 1, poolChildren: 0, poolSpecs: 0 });
    }
    // The replay ring of recent records (10,000) fills during the first two rounds; past that, a round
    // that kept anything per member (names differ each round) adds a thousand of it: forgetting to drop
    // one Map entry per removed agent grew the heap ~2 MiB a round when tried.
    const growth = (rounds[4]?.heapUsed ?? 0) - (rounds[2]?.heapUsed ?? 0);
    expect(growth).toBeLessThan(1.5 * 1024 * 1024);
  }, 120_000);
});
