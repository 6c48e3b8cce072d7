// The writer's fence on real PostgreSQL, one race at a time: a process whose lease was taken over
// writes the end of an attempt that was already failed as a crash, retried and finished elsewhere.
// Its lines must be refused even once the row is nobody's again (a finished task's row names no
// owner), or the task would be journaled SUCCEEDED twice. What a process may write stays written:
// its own leased rows, and a row nobody holds that is still in the state its lines start from.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../src/types.ts';
import { migrate } from '../../src/store/postgres-migrations.ts';
import { withDefaultUser } from '../../src/store/postgres-connect.ts';
import { createWriter, type Writer } from '../../src/store/postgres-writer.ts';
import type { JournalLine } from '../../src/store/state.ts';
import { dropAllSchemas, hasPg, pgUrl, sql, uniqueSchema } from '../support/postgres.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';

const ID = 'task-1';

describe.skipIf(!hasPg())('the writer fence', () => {
  let pool: pg.Pool;
  let schema: string;
  const writers: Writer[] = [];

  beforeEach(async () => {
    schema = uniqueSchema();
    pool = new pg.Pool({ connectionString: withDefaultUser(pgUrl()), max: 4 });
    await migrate(pool, schema, `"${schema}"`);
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) await w.close();
    await pool.end();
    await dropAllSchemas();
  });

  /** A node's writer; `held` is what that process believes it holds. */
  function writerOf(node: string, held: Set<string>) {
    const fenced: string[] = [];
    let n = 0;
    const w = createWriter({
      pool,
      schema: `"${schema}"`,
      channel: `${schema}_ch`,
      node,
      clock: new SimulatedClock({ start: 1_000_000 }),
      holds: (id) => held.has(id),
      leaseMs: 60_000,
      onFenced: (ids) => fenced.push(...ids),
      onError: (err) => {
        throw err;
      },
      onHealthy: () => {},
    });
    writers.push(w);
    const write = async (from: TaskStatus | null, to: TaskStatus, attempts: number, output?: unknown) => {
      w.push(line(++n, from, to, attempts, output));
      await w.durable();
    };
    return { write, fenced };
  }

  const row = async () => (await sql<{ status: string; lease_owner: string | null; output: unknown; attempts: number }>(`SELECT status, lease_owner, output, attempts FROM "${schema}".tasks WHERE id = $1`, [ID]))[0];
  const journal = async () =>
    (await sql<{ node: string; f: string | null; t: string }>(`SELECT node, line->'r'->>'from' AS f, line->'r'->>'to' AS t FROM "${schema}".transitions WHERE task_id = $1 ORDER BY gid`, [ID])).map(
      (l) => `${l.node}:${l.f}->${l.t}`,
    );

  /** A runs attempt 1; its lease runs out and B takes the task over (as the expiry query does), fails attempt 1 as crash and finishes attempt 2. */
  async function takenOverAndFinished(aHeld: Set<string>) {
    const a = writerOf('A', aHeld);
    await a.write(null, 'PENDING', 0);
    await a.write('PENDING', 'ASSIGNED', 0);
    await a.write('ASSIGNED', 'IN_PROGRESS', 1);
    expect(await row()).toMatchObject({ status: 'IN_PROGRESS', lease_owner: 'A' });
    await sql(`UPDATE "${schema}".tasks SET lease_owner = 'B' WHERE id = $1`, [ID]);
    const bHeld = new Set([ID]);
    const b = writerOf('B', bHeld);
    await b.write('IN_PROGRESS', 'FAILED', 1);
    await b.write('FAILED', 'RETRY_WAIT', 1);
    await b.write('RETRY_WAIT', 'ASSIGNED', 1);
    await b.write('ASSIGNED', 'IN_PROGRESS', 2);
    // A finished task is held by nobody: its row is written without an owner.
    bHeld.delete(ID);
    await b.write('IN_PROGRESS', 'SUCCEEDED', 2, 'from B');
    expect(b.fenced).toEqual([]);
    expect(await row()).toMatchObject({ status: 'SUCCEEDED', lease_owner: null, output: 'from B', attempts: 2 });
    return a;
  }

  it('refuses the late end of an attempt taken over, while that process still believes it holds the task', async () => {
    const a = await takenOverAndFinished(new Set([ID]));
    await a.write('IN_PROGRESS', 'SUCCEEDED', 1, 'from A');
    expect(a.fenced).toEqual([ID]);
    expect(await row()).toMatchObject({ status: 'SUCCEEDED', lease_owner: null, output: 'from B', attempts: 2 });
    expect((await journal()).filter((l) => l.endsWith('->SUCCEEDED'))).toEqual(['B:IN_PROGRESS->SUCCEEDED']);
  });

  it('refuses it too once that process let the task go (its row would name no owner)', async () => {
    const aHeld = new Set([ID]);
    const a = await takenOverAndFinished(aHeld);
    aHeld.delete(ID);
    await a.write('IN_PROGRESS', 'SUCCEEDED', 1, 'from A');
    expect(a.fenced).toEqual([ID]);
    expect(await row()).toMatchObject({ output: 'from B', attempts: 2 });
    expect((await journal()).filter((l) => l.endsWith('->SUCCEEDED'))).toEqual(['B:IN_PROGRESS->SUCCEEDED']);
  });

  it('writes a row nobody holds from the state it is in, and its own leased row from any state', async () => {
    const front = writerOf('front', new Set());
    await front.write(null, 'PENDING', 0);
    await front.write('PENDING', 'ASSIGNED', 0);
    expect(front.fenced).toEqual([]);
    expect(await row()).toMatchObject({ status: 'ASSIGNED', lease_owner: null });
    // A line from a state the row has left is refused even on a row nobody holds.
    await front.write('PENDING', 'CANCELLED', 0);
    expect(front.fenced).toEqual([ID]);
    await sql(`UPDATE "${schema}".tasks SET lease_owner = 'W' WHERE id = $1`, [ID]);
    const w = writerOf('W', new Set([ID]));
    await w.write('ASSIGNED', 'IN_PROGRESS', 1);
    await front.write('IN_PROGRESS', 'CANCELLED', 1);
    expect(front.fenced).toEqual([ID, ID]);
    await w.write('IN_PROGRESS', 'FAILED', 1);
    await w.write('FAILED', 'RETRY_WAIT', 1);
    await w.write('RETRY_WAIT', 'ASSIGNED', 1);
    await w.write('ASSIGNED', 'IN_PROGRESS', 2);
    await w.write('IN_PROGRESS', 'SUCCEEDED', 2, 'done');
    expect(w.fenced).toEqual([]);
    expect(await row()).toMatchObject({ status: 'SUCCEEDED', lease_owner: 'W', output: 'done', attempts: 2 });
    expect((await journal()).filter((l) => !l.startsWith('W:'))).toEqual(['front:null->PENDING', 'front:PENDING->ASSIGNED']);
  });
});

function line(n: number, from: TaskStatus | null, to: TaskStatus, attempts: number, output?: unknown): JournalLine {
  return {
    n,
    r: { seq: n, at: 1_000_000 + n, kind: 'task', id: ID, from, to, event: 'E', attempt: attempts },
    task: {
      id: ID,
      type: 'default',
      agent: 'work',
      status: to,
      attempts,
      maxRetries: 3,
      failureCounts: {},
      ...(from === null ? { input: { i: 1 }, createdAt: 1_000_000 } : {}),
      ...(output !== undefined ? { output } : {}),
    },
  };
}
