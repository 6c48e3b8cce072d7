// A turn that writes many lines past snapshotEvery asks its store for one snapshot, not one per line
// (the PostgreSQL store wrote each one it was asked for, and built the state each time).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../../src/runtime/clock.ts';
import { createPersistence } from '../../src/runtime/persistence.ts';
import { createTaskTable } from '../../src/runtime/tasks.ts';
import type { Store } from '../../src/store/contract.ts';
import { createFileStore } from '../../src/store/file-store.ts';
import type { Alert } from '../../src/types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const alert = (i: number): Alert => ({ id: `a${i}`, at: new Date(0).toISOString(), level: 'WARNING', component: 'test', message: 'm', details: {} });
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('snapshots asked for by a busy turn', () => {
  it('500 lines past snapshotEvery in one turn ask for one snapshot', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-coalesce-'));
    dirs.push(dir);
    const file = createFileStore(dir, { durability: 'write', maxAlerts: 1_000, onError: () => {} });
    let asked = 0;
    const store: Store = { ...file, snapshot: (build) => (asked++, file.snapshot(build)) };
    await store.open();
    const p = createPersistence({
      store,
      tasks: createTaskTable(),
      agents: new Map(),
      supervisor: () => undefined,
      supervisorNames: [],
      provider: () => undefined,
      providerNames: () => [],
      alerts: () => [],
      archive: () => [],
      seq: () => 0,
      clock: realClock,
      logger: pino({ level: 'silent' }),
      snapshotEvery: 10,
      snapshotIntervalMs: 3_600_000,
    });
    for (let i = 0; i < 500; i++) p.alert(alert(i));
    await nextTurn();
    await nextTurn();
    expect(asked).toBe(1);
    await p.close();
  });
});
