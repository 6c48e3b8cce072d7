// Two Warden processes' worth of runtime (two wardens, two pools, two node names) on one schema:
// work submitted anywhere runs where its agent is, reads cover the cluster, commands work from
// either side, idempotency keys hold across both.
import { describe, expect, it } from 'vitest';
import { hasPg, sql, uniqueSchema } from '../support/postgres.ts';
import { clusterNode, until, useClusterHarness } from './helpers.ts';

describe.skipIf(!hasPg())('cluster on PostgreSQL', () => {
  useClusterHarness();

  it('runs a task submitted on A on B, the process that declares its agent; A reads its result and history', async () => {
    const schema = uniqueSchema();
    const ranOn: string[] = [];
    const a = clusterNode(schema, 'A', { agents: { front: { run: async () => 'front' } } });
    const b = clusterNode(schema, 'B', { agents: { worker: { run: async (t) => (ranOn.push('B'), { echo: t.input }) } } });
    await Promise.all([a.start(), b.start()]);
    const { id } = await a.submit({ agent: 'worker', input: { n: 7 } });
    await expect(a.result(id)).resolves.toEqual({ echo: { n: 7 } });
    expect(ranOn).toEqual(['B']);
    await expect(a.result('no-such-task')).rejects.toMatchObject({ code: 'not_found' });
    expect(a.history(id).map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);
    expect(a.get(id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    const [row] = await sql<{ status: string; attempts: number; lease_owner: string | null }>(`SELECT status, attempts, lease_owner FROM "${schema}".tasks WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'SUCCEEDED', attempts: 1, lease_owner: null });
  });

  it('shares one idempotency key across processes: the second submit gets the first task', async () => {
    const schema = uniqueSchema();
    const a = clusterNode(schema, 'A', { agents: { worker: { run: async () => 'ok' } } });
    const b = clusterNode(schema, 'B', { agents: { worker: { run: async () => 'ok' } } });
    await Promise.all([a.start(), b.start()]);
    const [x, y] = await Promise.all([a.submit({ agent: 'worker', idempotencyKey: 'once' }), b.submit({ agent: 'worker', idempotencyKey: 'once' })]);
    expect(x.id).toBe(y.id);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    const rows = await sql(`SELECT id FROM "${schema}".tasks`);
    expect(rows).toHaveLength(1);
  });

  it('frees a key whose submit died before its task was written (after 30 s), and keeps a fresh one', async () => {
    const schema = uniqueSchema();
    const a = clusterNode(schema, 'A', { agents: { worker: { run: async () => 'ok' } } });
    await a.start();
    await sql(`INSERT INTO "${schema}".idempotency_keys (key, task_id, reserved_at) VALUES ('orphan', 'never-written', $1), ('inflight', 'being-written', $2)`, [
      Date.now() - 60_000,
      Date.now(),
    ]);
    const orphan = await a.submit({ agent: 'worker', idempotencyKey: 'orphan' });
    expect(orphan.created).toBe(true);
    await expect(a.result(orphan.id)).resolves.toBe('ok');
    expect(await a.submit({ agent: 'worker', idempotencyKey: 'inflight' })).toEqual({ id: 'being-written', created: false });
  });

  it('cancel through A aborts the signal of the attempt running on B within 1 s', async () => {
    const schema = uniqueSchema();
    let aborted = 0;
    let started = 0;
    const a = clusterNode(schema, 'A', { agents: { front: { run: async () => 'x' } } });
    const b = clusterNode(schema, 'B', {
      agents: {
        worker: {
          timeoutMs: 60_000,
          run: (_t, ctx) =>
            new Promise((_, reject) => {
              started = Date.now();
              ctx.signal.addEventListener('abort', () => ((aborted = Date.now()), reject(new Error('aborted'))));
            }),
        },
      },
    });
    await Promise.all([a.start(), b.start()]);
    const { id } = await a.submit({ agent: 'worker' });
    await until(() => started > 0, 5_000, 'the attempt to start on B');
    await until(() => a.get(id)?.status === 'IN_PROGRESS', 5_000, 'A to see IN_PROGRESS');
    const t0 = Date.now();
    await expect(a.cancel(id)).resolves.toMatchObject({ status: 'CANCELLED' });
    await until(() => aborted > 0, 1_000, 'B to abort its attempt');
    expect(aborted - t0).toBeLessThan(1_000);
    await until(() => b.get(id)?.status === 'CANCELLED', 2_000, 'B to see CANCELLED');
    await expect(a.cancel(id)).rejects.toMatchObject({ code: 'invalid_transition' });
  });

  it('retries and resolves an escalated task from the other process', async () => {
    const schema = uniqueSchema();
    let onceCalls = 0;
    const denied = () => Promise.reject(Object.assign(new Error('nope'), { status: 401 }));
    const a = clusterNode(schema, 'A', { agents: { front: { run: async () => 'x' } } });
    const b = clusterNode(schema, 'B', {
      agents: { worker: { run: async (t) => (t.input === 'deny' || (t.input === 'once' && ++onceCalls === 1) ? denied() : 'second') } },
    });
    await Promise.all([a.start(), b.start()]);
    const { id } = await a.submit({ agent: 'worker', input: 'once', maxRetries: 0 });
    await until(() => a.get(id)?.status === 'ESCALATED', 5_000, 'ESCALATED on A');
    await a.retry(id);
    await expect(a.result(id)).resolves.toBe('second');
    expect(a.get(id)?.attempts).toBe(2);
    const other = await b.submit({ agent: 'worker', input: 'deny', maxRetries: 0 });
    await until(() => a.get(other.id)?.status === 'ESCALATED', 5_000, 'the second task ESCALATED on A');
    await expect(a.resolve(other.id, 'by hand')).resolves.toMatchObject({ status: 'SUCCEEDED', output: 'by hand' });
    await until(() => b.get(other.id)?.status === 'SUCCEEDED', 2_000, 'B to see the resolve');
    await expect(b.retry(other.id)).rejects.toMatchObject({ code: 'invalid_transition' });
  });

  it('lists the whole cluster on either process (each in the order it learned of the tasks)', async () => {
    const schema = uniqueSchema();
    const a = clusterNode(schema, 'A', { agents: { worker: { run: async () => 'a' } } });
    const b = clusterNode(schema, 'B', { agents: { worker: { run: async () => 'b' } } });
    await Promise.all([a.start(), b.start()]);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await (i % 2 ? a : b).submit({ agent: 'worker', input: i })).id);
    await Promise.all(ids.map((id) => a.result(id)));
    await until(() => b.list({ status: 'SUCCEEDED', limit: 100 }).items.length === 10, 3_000, 'B to list all 10');
    await until(() => a.list({ status: 'SUCCEEDED', limit: 100 }).items.length === 10, 3_000, 'A to list all 10');
    const inputs = a.list({ limit: 100 }).items.map((t) => t.input as number);
    expect([...inputs].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Cursors page through the cluster's tasks without a gap or a repeat.
    const first = b.list({ limit: 4 });
    const rest = b.list({ limit: 100, cursor: first.nextCursor ?? undefined });
    expect(new Set([...first.items, ...rest.items].map((t) => t.id)).size).toBe(10);
    expect(a.health().tasks.byStatus.SUCCEEDED).toBe(10);
  });

  it('refuses a connection string that does not connect, naming it with the password redacted', async () => {
    const { createWarden } = await import('../../src/index.ts');
    const { pino } = await import('pino');
    const w = createWarden({
      logger: pino({ level: 'silent' }),
      store: { postgres: { connectionString: 'postgres://alice:s3cret@127.0.0.1:1/nowhere' } },
      agents: { worker: { run: async () => 'x' } },
    });
    const err = await w.start().then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).toBe('store_unavailable');
    expect(err?.message).toContain('postgres://alice:***@127.0.0.1:1/nowhere');
    expect(err?.message).not.toContain('s3cret');
    expect(w.state).toBe('idle');
  });
});
