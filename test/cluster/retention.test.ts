// The PostgreSQL retention sweep: finished tasks older than the cutoff leave the task rows, the
// journal and the idempotency keys, a batch at a time; unfinished and recent ones stay.
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { taskMachine } from '../../machines/task.ts';
import { realClock } from '../../src/runtime/clock.ts';
import { clusterSql } from '../../src/store/postgres-cluster-sql.ts';
import { createPostgresStore } from '../../src/store/postgres-store.ts';
import type { TaskStatus } from '../../src/types.ts';
import { hasPg, pgUrl, sql, uniqueSchema } from '../support/postgres.ts';
import { useClusterHarness } from './helpers.ts';

describe.skipIf(!hasPg())('PostgreSQL retention sweep', () => {
  useClusterHarness();

  it('deletes finished tasks past the cutoff in batches, with their transitions and keys, and keeps the rest', async () => {
    const schema = uniqueSchema();
    const store = createPostgresStore({ connectionString: pgUrl(), schema, node: 'n', clock: realClock, maxAlerts: 10, onError: () => {} });
    await store.open();
    let seq = 0;
    const put = (id: string, status: TaskStatus, at: number) => {
      const { decision: _d, ...ctx } = createActor(taskMachine, { input: { id, type: 'default', agent: 'a', input: null, maxRetries: 0 } }).getSnapshot().context;
      store.append({ r: { seq: ++seq, at, kind: 'task', id, from: null, to: status, event: 'TEST' }, task: { ...ctx, status, createdAt: at, idempotencyKey: `k-${id}` } });
    };
    for (let i = 0; i < 5; i++) put(`old${i}`, i % 2 ? 'CANCELLED' : 'SUCCEEDED', 1_000 + i);
    put('old-escalated', 'ESCALATED', 1_000);
    put('recent', 'SUCCEEDED', 10_000);
    await store.durable();
    const keys = clusterSql(store.pool, store.schema, 'n');
    for (const id of ['old0', 'recent']) await keys.reserveKey(`k-${id}`, id, Date.now());
    expect(await keys.sweep(5_000, 2)).toBe(5);
    const left = await sql<{ id: string }>(`SELECT id FROM "${schema}".tasks ORDER BY id`);
    expect(left.map((r) => r.id)).toEqual(['old-escalated', 'recent']);
    const journal = await sql<{ task_id: string }>(`SELECT DISTINCT task_id FROM "${schema}".transitions ORDER BY task_id`);
    expect(journal.map((r) => r.task_id)).toEqual(['old-escalated', 'recent']);
    const reserved = await sql<{ key: string }>(`SELECT key FROM "${schema}".idempotency_keys`);
    expect(reserved.map((r) => r.key)).toEqual(['k-recent']);
    expect(await keys.sweep(5_000, 2)).toBe(0);
    await store.close();
  });

  it('opens with every unfinished task and only the newest maxFinished finished ones in memory, histories included', async () => {
    const schema = uniqueSchema();
    const make = () => createPostgresStore({ connectionString: pgUrl(), schema, node: 'n', clock: realClock, maxAlerts: 10, maxFinished: 2, onError: () => {} });
    const store = make();
    await store.open();
    let seq = 0;
    for (const [id, status, at] of [['f1', 'SUCCEEDED', 1], ['f2', 'CANCELLED', 2], ['open', 'ESCALATED', 3], ['f3', 'SUCCEEDED', 4]] as const) {
      const { decision: _d, ...ctx } = createActor(taskMachine, { input: { id, type: 'default', agent: 'a', input: null, maxRetries: 0 } }).getSnapshot().context;
      store.append({ r: { seq: ++seq, at, kind: 'task', id, from: null, to: status, event: 'TEST' }, task: { ...ctx, status, createdAt: at } });
    }
    await store.durable();
    await store.close();
    const again = make();
    const { state } = await again.open();
    expect(Object.keys(state.tasks)).toEqual(['f2', 'open', 'f3']);
    expect(state.tasks.open?.history.map((r) => r.to)).toEqual(['ESCALATED']);
    await again.close();
  });
});
