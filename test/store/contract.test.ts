// The Store contract, as one suite a store implementation must pass: the file store and the
// PostgreSQL store (a schema of its own per case, dropped after) run the same cases.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createActor } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { taskMachine } from '../../machines/task.ts';
import type { Store } from '../../src/store/contract.ts';
import { createFileStore } from '../../src/store/file-store.ts';
import { createPostgresStore } from '../../src/store/postgres-store.ts';
import { realClock } from '../../src/runtime/clock.ts';
import { dropAllSchemas, hasPg, pgUrl, uniqueSchema } from '../support/postgres.ts';
import { emptyState, type PersistedState, type TaskPatch } from '../../src/store/state.ts';
import type { Alert, TransitionRecord } from '../../src/types.ts';

/** A fresh, empty storage per call; `again` opens the same storage anew (a restart). */
interface Harness {
  make(): { store: Store; again(): Store };
  cleanup(): void | Promise<void>;
  skip?: boolean;
  /** the store keeps every task as a row of its own, so a snapshot is built without the tasks */
  taskRows: boolean;
}

const context = (id: string) => {
  const { decision: _spent, ...ctx } = createActor(taskMachine, { input: { id, type: 'default', agent: 'coder', input: { q: id }, maxRetries: 1 } }).getSnapshot().context;
  return ctx;
};
let seq = 0;
function taskLine(id: string, to: string): { r: TransitionRecord; task: TaskPatch } {
  const r: TransitionRecord = { seq: ++seq, at: 1_000 + seq, kind: 'task', id, from: null, to, event: 'TEST' };
  return { r, task: { ...context(id), createdAt: 1_000 } };
}
const alert = (id: string): Alert => ({ id, at: new Date(0).toISOString(), level: 'WARNING', component: 'test', message: id, details: {} });

function storeContract(name: string, harness: Harness) {
  describe.skipIf(harness.skip === true)(`Store contract: ${name}`, () => {
    afterEach(() => harness.cleanup());

    it('opens empty storage to an empty state and no warnings', async () => {
      const { store } = harness.make();
      const restored = await store.open();
      expect(restored.state.tasks).toEqual({});
      expect(restored.state.n).toBe(0);
      expect(restored.warnings).toEqual([]);
      await store.close();
    });

    it('restores, after close and open, every entry appended and made durable', async () => {
      const { store, again } = harness.make();
      await store.open();
      store.append(taskLine('t1', 'PENDING'));
      store.append({ a: alert('a1') });
      store.append(taskLine('t1', 'ASSIGNED'));
      await store.durable();
      await store.close();
      const b = again();
      const { state } = await b.open();
      expect(state.n).toBe(3);
      expect(state.tasks.t1?.history.map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED']);
      expect(state.alerts.map((a) => a.id)).toEqual(['a1']);
      await b.close();
    });

    it('reads one task’s history, oldest first, and nothing of other tasks', async () => {
      const { store } = harness.make();
      await store.open();
      store.append(taskLine('t1', 'PENDING'));
      store.append(taskLine('t2', 'PENDING'));
      store.append(taskLine('t1', 'ASSIGNED'));
      expect((await store.history('t1')).map((r) => `${r.id}:${r.to}`)).toEqual(['t1:PENDING', 't1:ASSIGNED']);
      expect(await store.history('nope')).toEqual([]);
      await store.close();
    });

    it('restores a snapshot plus the entries after it; the history still covers entries before it', async () => {
      const { store, again } = harness.make();
      await store.open();
      store.append(taskLine('t1', 'PENDING'));
      await store.snapshot((n): PersistedState => ({ ...emptyState(), n, seq, alerts: [alert('from-snapshot')] }));
      store.append({ a: alert('after') });
      await store.durable();
      expect((await store.history('t1')).map((r) => r.to)).toEqual(['PENDING']);
      await store.close();
      const b = again();
      const { state } = await b.open();
      expect(state.alerts.map((a) => a.id)).toEqual(['from-snapshot', 'after']);
      expect(state.n).toBe(2);
      await b.close();
    });

    it(`builds its snapshot ${harness.taskRows ? 'without' : 'with'} the tasks`, async () => {
      const { store } = harness.make();
      await store.open();
      store.append(taskLine('t1', 'PENDING'));
      const asked: boolean[] = [];
      await store.snapshot((n, o): PersistedState => {
        asked.push(o.tasks);
        return { ...emptyState(), n, seq };
      });
      expect(asked).toEqual([!harness.taskRows]);
      await store.close();
    });

    it('refuses use before open, and close() is safe to call twice', async () => {
      const { store } = harness.make();
      expect(() => store.append({ a: alert('early') })).toThrow(/not open: call open\(\) first/);
      await store.open();
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}

const dirs: string[] = [];
storeContract('file store (journal + snapshot)', {
  taskRows: false,
  make() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-contract-'));
    dirs.push(dir);
    const make = () => createFileStore(dir, { durability: 'write', maxAlerts: 100, onError: () => {} });
    return { store: make(), again: make };
  },
  cleanup() {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  },
});

storeContract('PostgreSQL store (task rows + transitions)', {
  skip: !hasPg(),
  taskRows: true,
  make() {
    const schema = uniqueSchema();
    const make = () =>
      createPostgresStore({ connectionString: pgUrl(), schema, node: 'contract', clock: realClock, maxAlerts: 100, onError: () => {} });
    return { store: make(), again: make };
  },
  cleanup: () => dropAllSchemas(),
});
