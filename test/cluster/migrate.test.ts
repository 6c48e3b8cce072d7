// Versioned migrations under an advisory lock: processes starting at once on an empty schema migrate
// it once, and every one of them starts.
import { describe, expect, it } from 'vitest';
import { realClock } from '../../src/runtime/clock.ts';
import { MIGRATIONS } from '../../src/store/postgres-migrations.ts';
import { createPostgresStore } from '../../src/store/postgres-store.ts';
import { hasPg, pgUrl, sql, uniqueSchema } from '../support/postgres.ts';
import { useClusterHarness } from './helpers.ts';
import { spawnWorker } from './processes.ts';

describe.skipIf(!hasPg())('migrations', () => {
  useClusterHarness();

  it('three processes starting at once on an empty schema all start, and the schema is migrated once', async () => {
    const schema = uniqueSchema();
    const workers = ['m1', 'm2', 'm3'].map((n) => spawnWorker(pgUrl(), schema, n, 5_000, 'hang'));
    try {
      await Promise.all(workers.map((w) => w.ready));
      const rows = await sql<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
    }
  });

  it('of three stores opened at once exactly one applies the migrations; opening again applies none', async () => {
    const schema = uniqueSchema();
    const make = (node: string) => createPostgresStore({ connectionString: pgUrl(), schema, node, clock: realClock, maxAlerts: 10, onError: () => {} });
    const stores = ['s1', 's2', 's3'].map(make);
    await Promise.all(stores.map((s) => s.open()));
    const applied = stores.map((s) => s.migrated.length);
    expect(applied.sort()).toEqual([0, 0, MIGRATIONS.length]);
    await Promise.all(stores.map((s) => s.close()));
    const again = make('s4');
    await again.open();
    expect(again.migrated).toEqual([]);
    await again.close();
  });
});
