// Shared scaffolding for the cluster tests: wardens on one PostgreSQL schema of the test's own
// (dropped after the test), stopped after each test, and a bounded wait for what another process does.
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createWarden, type Warden, type WardenConfig } from '../../src/index.ts';
import { dropAllSchemas, pgUrl } from '../support/postgres.ts';

const running: Warden[] = [];

export function useClusterHarness(): void {
  afterEach(async () => {
    for (const w of running.splice(0)) await w.stop().catch(() => undefined);
    await dropAllSchemas();
  });
}

export type NodeConfig = Omit<WardenConfig, 'store' | 'node' | 'logger'>;

export function clusterNode(schema: string, node: string, config: NodeConfig): Warden {
  const w = createWarden({ logger: pino({ level: 'silent' }), leaseMs: 1_000, ...config, store: { postgres: { connectionString: pgUrl(), schema } }, node });
  running.push(w);
  return w;
}

/** Polls `check` every 20 ms until it holds, failing after `ms`: what another process does is not ours to await. */
export async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}
