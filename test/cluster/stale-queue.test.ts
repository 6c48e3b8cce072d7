// A task waiting in this process's queue can be lost meanwhile: its lease taken over, or the task put
// back in the pool by another process. When a slot frees, this process must not start it on the
// strength of its queue: it runs it only after taking it again (a claim, or a lapsed lease), so the row names it as the
// owner while the attempt runs (an IN_PROGRESS row with no owner is one nobody would ever take over).
// Here the hand-back is done in SQL, as another process would leave the row; real time, bounded waits.
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { hasPg, sql, uniqueSchema } from '../support/postgres.ts';
import { clusterNode, until, useClusterHarness } from './helpers.ts';

describe.skipIf(!hasPg())('a queued task this process no longer holds', () => {
  useClusterHarness();

  // 'put back in the pool': another process takes the task and puts it back in the pool.
  // 'named on the row again': then a stale write names this node again, though it let the task go:
  // no other process may claim it, so unless this node stops renewing what it does not hold, the
  // task waits for ever.
  const CASES = ['put back in the pool', 'named on the row again after it let go'] as const;

  it.each(CASES)('%s: is not started from the queue; it runs once taken again, with this node on its row', async (how) => {
    const schema = uniqueSchema();
    let unblock = () => {};
    const blocked = new Promise<void>((r) => (unblock = r));
    const owners: Array<{ input: unknown; attempt: number; owner: string | null }> = [];
    const ownerOf = async (id: string) => (await sql<{ lease_owner: string | null }>(`SELECT lease_owner FROM "${schema}".tasks WHERE id = $1`, [id]))[0]?.lease_owner ?? null;
    const a = clusterNode(schema, 'a', {
      taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 200, factor: 1, maxMs: 200, jitter: 'none' } } },
      agents: {
        work: {
          concurrency: 1,
          run: async (t: TaskInfo, ctx: RunContext) => {
            owners.push({ input: t.input, attempt: ctx.attempt, owner: await ownerOf(t.id) });
            if (t.input === 'blocker') await blocked;
            else if (ctx.attempt === 1) throw Object.assign(new Error('busy'), { status: 503 });
            return 'ok';
          },
        },
      },
    });
    await a.start();
    const { id } = await a.submit({ agent: 'work', input: 'task' });
    await until(() => a.get(id)?.status === 'RETRY_WAIT', 5_000, 'the first attempt to fail');
    // The only slot is busy when the retry comes due: the retry waits in this process's queue.
    const blocker = await a.submit({ agent: 'work', input: 'blocker' });
    await until(() => a.get(blocker.id)?.status === 'IN_PROGRESS', 5_000, 'the blocker to run');
    await until(() => a.get(id)?.status === 'ASSIGNED', 5_000, 'the retry to be queued');
    await until(() => owners.length === 2, 5_000, 'the blocker to start');
    await sql(`UPDATE "${schema}".tasks SET lease_owner = NULL, lease_until = NULL WHERE id = $1`, [id]);
    // Lease renewal notices (the lease is older than leaseMs by then).
    await new Promise((r) => setTimeout(r, 1_500));
    if (how === 'named on the row again after it let go') {
      await sql(`UPDATE "${schema}".tasks SET lease_owner = 'a', lease_until = $2 WHERE id = $1`, [id, Date.now() + 1_000]);
    }
    unblock();
    await until(() => a.get(id)?.status === 'SUCCEEDED', 8_000, 'the retry to succeed');
    expect(owners.filter((o) => o.input === 'task')).toEqual([
      { input: 'task', attempt: 1, owner: 'a' },
      { input: 'task', attempt: 2, owner: 'a' },
    ]);
    const starts = await sql(
      `SELECT gid FROM "${schema}".transitions WHERE task_id = $1 AND line->'r'->>'to' = 'IN_PROGRESS' AND (line->'task'->>'attempts')::int = 2`,
      [id],
    );
    expect(starts).toHaveLength(1);
  });
});
