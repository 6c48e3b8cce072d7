// On PostgreSQL too, an attempt's code runs only once the transaction with its START committed.
// The retry's START is held back by a lock on the journal table, taken while the task waits out its
// backoff; run() asks the database (on a connection of its own, which the lock does not block for a
// read) whether its START line is there. The file-store version is test/store/start-journaled-first.test.ts.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { withDefaultUser } from '../../src/store/postgres-connect.ts';
import { hasPg, pgUrl, sql, uniqueSchema } from '../support/postgres.ts';
import { clusterNode, until, useClusterHarness } from './helpers.ts';

describe.skipIf(!hasPg())('PostgreSQL: START committed before the code', () => {
  useClusterHarness();

  it('a retry whose START is slow to commit starts its code only after the commit', async () => {
    const schema = uniqueSchema();
    const seen: Array<{ attempt: number; committed: boolean }> = [];
    const committed = async (id: string, attempt: number) =>
      (await sql(`SELECT 1 FROM "${schema}".transitions WHERE task_id = $1 AND line->'r'->>'to' = 'IN_PROGRESS' AND (line->'r'->>'attempt')::int = $2`, [id, attempt]))
        .length === 1;
    const w = clusterNode(schema, 'n1', {
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 300, factor: 1, maxMs: 300, jitter: 'none' } } },
      agents: {
        a: {
          run: async (t: TaskInfo, ctx: RunContext) => {
            seen.push({ attempt: ctx.attempt, committed: await committed(t.id, ctx.attempt) });
            if (ctx.attempt === 1) throw Object.assign(new Error('busy'), { status: 503 });
            return 'ok';
          },
        },
      },
    });
    await w.start();
    const { id } = await w.submit({ agent: 'a' });
    await until(() => w.get(id)?.status === 'RETRY_WAIT', 5_000, 'the first attempt to fail');
    const locker = new pg.Client({ connectionString: withDefaultUser(pgUrl()) });
    await locker.connect();
    try {
      // RETRY_WAIT committed first, so only the retry's own lines wait behind the lock.
      for (const t0 = Date.now(); Date.now() - t0 < 5_000; ) {
        const r = await sql<{ status: string }>(`SELECT status FROM "${schema}".tasks WHERE id = $1`, [id]);
        if (r[0]?.status === 'RETRY_WAIT') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}".transitions IN EXCLUSIVE MODE`);
      await until(() => w.get(id)?.status === 'IN_PROGRESS', 5_000, 'the retry to start');
      await new Promise((r) => setTimeout(r, 200));
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    await until(() => w.get(id)?.status === 'SUCCEEDED', 5_000, 'the retry to succeed');
    expect(seen).toEqual([1, 2].map((attempt) => ({ attempt, committed: true })));
  });
});
