// Multi-process chaos: three real Warden processes (test/fixtures/cluster-worker.ts) on one schema
// run 2,000 tasks submitted through a fourth (this test's); one of the three is SIGKILLed and
// restarted at seeded random moments, at least 10 times. Then the tables are checked: nothing
// acknowledged is lost, nothing SUCCEEDED twice, every attempt's side effect happened at most once
// and a SUCCEEDED task's last attempt exactly once, attempts stay within budget.
//
// Replay a run: WARDEN_CHAOS_SEED=1234 npx vitest run test/cluster/chaos.test.ts
import { describe, expect, it } from 'vitest';
import { hasPg, pgUrl, sql, uniqueSchema } from '../support/postgres.ts';
import { clusterNode, until, useClusterHarness } from './helpers.ts';
import { spawnWorker, type WorkerProcess } from './processes.ts';
import { mulberry32 } from '../../src/simulate/random.ts';

const TOTAL = 2_000;
const KILLS = 10;
const LEASE_MS = 1_000;
const MAX_RETRIES = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasPg())('multi-process chaos', () => {
  useClusterHarness();

  it(`${TOTAL} tasks on 3 processes, ${KILLS}+ SIGKILLs: 0 lost, 0 succeeded twice, side effects once per attempt`, { timeout: 90_000 }, async () => {
    const seed = Number(process.env.WARDEN_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`chaos seed ${seed} (replay: WARDEN_CHAOS_SEED=${seed})`);
    const rand = mulberry32(seed);
    const schema = uniqueSchema();
    await sql(`CREATE SCHEMA "${schema}"`);
    await sql(`CREATE TABLE "${schema}".effects (task_id text NOT NULL, attempt int NOT NULL, node text NOT NULL)`);
    const names = ['w1', 'w2', 'w3'];
    const workers = new Map<string, WorkerProcess>(names.map((n) => [n, spawnWorker(pgUrl(), schema, n, LEASE_MS, 'work')]));
    try {
      await Promise.all([...workers.values()].map((w) => w.ready));
      const front = clusterNode(schema, 'front', { leaseMs: LEASE_MS, taskTypes: { default: { maxRetries: MAX_RETRIES } }, agents: { front: { run: async () => 'x' } } });
      await front.start();

      const acked: string[] = [];
      const submitting = (async () => {
        for (let i = 0; i < TOTAL; i += 50) {
          const batch = await Promise.all(
            Array.from({ length: Math.min(50, TOTAL - i) }, (_, j) => front.submit({ agent: 'work', input: { i: i + j, failOnce: (i + j) % 4 === 0 } })),
          );
          for (const r of batch) acked.push(r.id);
          await sleep(200);
        }
      })();

      let kills = 0;
      while (kills < KILLS) {
        await sleep(300 + Math.floor(rand() * 600));
        const name = names[Math.floor(rand() * names.length)] as string;
        const victim = workers.get(name) as WorkerProcess;
        // Only a process that finished starting is killed, so every kill lands on a running one.
        const up = await Promise.race([victim.ready.then(() => true, () => false), sleep(5_000).then(() => false)]);
        if (!up) continue;
        await victim.kill();
        kills++;
        workers.set(name, spawnWorker(pgUrl(), schema, name, LEASE_MS, 'work'));
      }
      await submitting;
      const finished = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".tasks WHERE status IN ('SUCCEEDED', 'ESCALATED', 'CANCELLED')`);
      let done = Number(finished[0]?.n);
      for (const t0 = Date.now(); done < TOTAL && Date.now() - t0 < 45_000; await sleep(250)) {
        const r = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".tasks WHERE status IN ('SUCCEEDED', 'ESCALATED', 'CANCELLED')`);
        done = Number(r[0]?.n);
      }
      if (done < TOTAL) {
        const stuck = await sql(`SELECT status, lease_owner, count(*) FROM "${schema}".tasks WHERE status NOT IN ('SUCCEEDED', 'ESCALATED', 'CANCELLED') GROUP BY 1, 2`);
        console.log('not finished:', JSON.stringify(stuck), 'front sees', JSON.stringify(front.health().tasks.byStatus));
        const one = await sql<{ id: string }>(`SELECT id FROM "${schema}".tasks WHERE status NOT IN ('SUCCEEDED', 'ESCALATED', 'CANCELLED') LIMIT 2`);
        for (const t of one) {
          const lines = await sql(`SELECT gid, node, line->'r'->>'from' AS f, line->'r'->>'to' AS t, line->'r'->>'attempt' AS a, line->'r'->>'at' AS at FROM "${schema}".transitions WHERE task_id = $1 ORDER BY gid`, [t.id]);
          console.log(`stuck ${t.id}: ${JSON.stringify(lines)}`);
        }
      }
      await until(() => {
        const c = front.health().tasks.byStatus;
        return c.SUCCEEDED + c.ESCALATED + c.CANCELLED >= TOTAL;
      }, 5_000, 'the front process to see every task finish');

      expect(kills).toBeGreaterThanOrEqual(KILLS);
      expect(acked).toHaveLength(TOTAL);
      const rows = await sql<{ id: string; status: string; attempts: number }>(`SELECT id, status, attempts FROM "${schema}".tasks`);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(acked.filter((id) => !byId.has(id))).toEqual([]);
      expect(rows.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
      expect(rows.filter((r) => r.attempts > MAX_RETRIES + 1)).toEqual([]);
      const twice = await sql(
        `SELECT task_id, count(*) FROM "${schema}".transitions WHERE line->'r'->>'to' = 'SUCCEEDED' GROUP BY task_id HAVING count(*) > 1`,
      );
      for (const r of (twice as { task_id: string }[]).slice(0, 3)) {
        const ran = await sql(`SELECT attempt, node FROM "${schema}".effects WHERE task_id = $1`, [r.task_id]);
        const lines = await sql(`SELECT gid, node, line->'r' AS r FROM "${schema}".transitions WHERE task_id = $1 ORDER BY gid`, [r.task_id]);
        console.log(`succeeded twice ${r.task_id}: effects ${JSON.stringify(ran)} journal ${JSON.stringify(lines)}`);
      }
      expect(twice).toEqual([]);
      const repeated = await sql<{ task_id: string }>(`SELECT task_id, attempt, count(*) FROM "${schema}".effects GROUP BY task_id, attempt HAVING count(*) > 1`);
      // What a failure needs to be understood: who ran the repeated attempt, and the task's journal.
      for (const r of repeated.slice(0, 3)) {
        const ran = await sql(`SELECT attempt, node FROM "${schema}".effects WHERE task_id = $1`, [r.task_id]);
        const lines = await sql(`SELECT gid, node, line->'r' AS r FROM "${schema}".transitions WHERE task_id = $1 ORDER BY gid`, [r.task_id]);
        console.log(`repeated ${r.task_id}: effects ${JSON.stringify(ran)} journal ${JSON.stringify(lines)}`);
      }
      expect(repeated).toEqual([]);
      const missing = await sql(
        `SELECT t.id FROM "${schema}".tasks t WHERE NOT EXISTS (SELECT 1 FROM "${schema}".effects e WHERE e.task_id = t.id AND e.attempt = t.attempts)`,
      );
      expect(missing).toEqual([]);
      const crashes = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".transitions WHERE line->'r'->'error'->>'kind' = 'crash'`);
      console.log(`chaos: ${kills} kills, ${crashes[0]?.n} attempts failed as crash, ${rows.reduce((s, r) => s + r.attempts, 0)} attempts for ${TOTAL} tasks`);
      // The front process mirrors the cluster: it saw every task finish, and its counts add up.
      expect(front.list({ status: 'SUCCEEDED', limit: 1000 }).items.length).toBe(1000);
      expect(front.health().tasks.byStatus).toMatchObject({ SUCCEEDED: TOTAL, PENDING: 0, ASSIGNED: 0, IN_PROGRESS: 0, RETRY_WAIT: 0 });
    } finally {
      await Promise.all([...workers.values()].map((w) => w.kill()));
    }
  });
});
