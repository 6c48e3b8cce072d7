// A process SIGKILLed mid-attempt: another process notices its expired lease within leaseMs + 1 s,
// fails that attempt as `crash` exactly once, follows the policy (a retry here) and the next attempt
// gets the last checkpoint. Real processes and real time (a crash test), bounded waits.
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../src/index.ts';
import { hasPg, pgUrl, sql, uniqueSchema } from '../support/postgres.ts';
import { clusterNode, until, useClusterHarness } from './helpers.ts';
import { spawnWorker } from './processes.ts';

const LEASE_MS = 1_000;

describe.skipIf(!hasPg())('leases across processes', () => {
  useClusterHarness();

  it('fails a killed process’s attempt as crash once, within leaseMs + 1 s, and resumes it from its checkpoint', async () => {
    const schema = uniqueSchema();
    const worker = spawnWorker(pgUrl(), schema, 'doomed', LEASE_MS, 'hang');
    try {
      await worker.ready;
      const front = clusterNode(schema, 'front', { leaseMs: LEASE_MS, agents: { front: { run: async () => 'x' } } });
      await front.start();
      const { id } = await front.submit({ agent: 'slow', maxRetries: 2 });
      await until(() => front.get(id)?.status === 'IN_PROGRESS' && front.get(id)?.checkpoint !== undefined, 10_000, 'the attempt to run on the worker');
      const seen: Array<unknown> = [];
      const heir = clusterNode(schema, 'heir', {
        leaseMs: LEASE_MS,
        taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 'none' } } },
        agents: { slow: { run: async (_t, ctx: RunContext) => (seen.push(ctx.checkpoint), 'resumed') } },
      });
      await heir.start();
      const t0 = Date.now();
      await worker.kill();
      await expect(heir.result(id)).resolves.toBe('resumed');
      const noticed = Date.now() - t0;
      console.log(`lease: the killed process's attempt was failed as crash and resumed elsewhere ${noticed} ms after SIGKILL (leaseMs ${LEASE_MS})`);
      expect(noticed).toBeLessThan(LEASE_MS + 1_000 + 500);
      expect(seen).toEqual([{ step: 1 }]);
      const crashes = heir.history(id).filter((r) => r.to === 'FAILED');
      expect(crashes).toHaveLength(1);
      expect(crashes[0]?.error?.kind).toBe('crash');
      expect(heir.get(id)?.attempts).toBe(2);
      const fails = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".transitions WHERE task_id = $1 AND line->'r'->>'to' = 'FAILED'`, [id]);
      expect(Number(fails[0]?.n)).toBe(1);
    } finally {
      await worker.kill();
    }
  });
});
