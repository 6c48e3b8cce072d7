// Bad state on disk: every kind of damage either stops start() with a clear corrupt_state error
// (naming the file, the place, and what to do) and leaves every byte as it was, or — for the one
// damage a crash is expected to leave, a torn last journal line — is skipped with a WARNING alert.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournalFile } from '../../src/store/journal.ts';
import type { WardenError } from '../../src/index.ts';
import {
  external,
  hashDir,
  journalOnlyDir,
  quickTypes,
  rejection,
  renumber,
  seedDir,
  tmpDir,
  useStoreHarness,
  wardenOn,
  writeLines,
} from './helpers.ts';

useStoreHarness();

const config = { agents: { ext: external }, taskTypes: quickTypes };

/** Starts a warden on `dir`, expects corrupt_state, and checks that not one byte in `dir` changed. */
async function expectFatal(dir: string): Promise<WardenError> {
  const before = hashDir(dir);
  const w = wardenOn(dir, config);
  const err = await rejection(w.start());
  expect(err.code, err.message).toBe('corrupt_state');
  expect(w.state).toBe('idle');
  await w.stop();
  expect(hashDir(dir), 'the files must be left exactly as they were').toEqual(before);
  return err;
}

const SAYS_WHAT_TO_DO = /restore|move (it|the file) aside|backup/i;

describe('a control: undamaged data restores', () => {
  it('from the snapshot, and from the journal alone', async () => {
    const seeded = await seedDir();
    const w = wardenOn(seeded.dir, config);
    await w.start();
    expect(w.get(seeded.ids.done)?.status).toBe('SUCCEEDED');
    expect(w.get(seeded.ids.escalated)?.status).toBe('ESCALATED');
    await w.stop();

    const only = await journalOnlyDir();
    const w2 = wardenOn(only.dir, config);
    await w2.start();
    expect(w2.get(only.ids.done)).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
    expect(w2.get(only.ids.running)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
  });
});

describe('a damaged snapshot (state.json) stops the start and is never overwritten', () => {
  const snapshotFile = (dir: string) => path.join(dir, 'state.json');

  it('truncated', async () => {
    const { dir } = await seedDir();
    const file = snapshotFile(dir);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const err = await expectFatal(dir);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/JSON|truncated/i);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
    expect(err.message).toContain('state.json.bak');
  });

  it('empty', async () => {
    const { dir } = await seedDir();
    fs.writeFileSync(snapshotFile(dir), '');
    const err = await expectFatal(dir);
    expect(err.message).toContain(snapshotFile(dir));
    expect(err.message).toMatch(/empty/i);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('not JSON', async () => {
    const { dir } = await seedDir();
    fs.writeFileSync(snapshotFile(dir), 'this is not { json at all\n');
    const err = await expectFatal(dir);
    expect(err.message).toContain(snapshotFile(dir));
    expect(err.message).toMatch(/not valid JSON/i);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('JSON of the wrong shape', async () => {
    const { dir } = await seedDir();
    const state = JSON.parse(fs.readFileSync(snapshotFile(dir), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(snapshotFile(dir), JSON.stringify({ ...state, tasks: [1, 2, 3] }));
    const err = await expectFatal(dir);
    expect(err.message).toContain(snapshotFile(dir));
    expect(err.message).toMatch(/shape at tasks/);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('JSON that is not even an object', async () => {
    const { dir } = await seedDir();
    fs.writeFileSync(snapshotFile(dir), '[1,2,3]');
    const err = await expectFatal(dir);
    expect(err.message).toContain(snapshotFile(dir));
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('a schemaVersion from the future', async () => {
    const { dir } = await seedDir();
    const state = JSON.parse(fs.readFileSync(snapshotFile(dir), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(snapshotFile(dir), JSON.stringify({ ...state, schemaVersion: 99 }));
    const err = await expectFatal(dir);
    expect(err.message).toContain(snapshotFile(dir));
    expect(err.message).toMatch(/schemaVersion 99/);
    expect(err.message).toMatch(/newer/i);
  });

  it('a task in a state the machines no longer have ("RUNNING")', async () => {
    const seeded = await seedDir();
    const file = snapshotFile(seeded.dir);
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { tasks: Record<string, { ctx: { status: string } }> };
    const task = state.tasks[seeded.ids.running];
    if (!task) throw new Error('seeded task missing from the snapshot');
    task.ctx.status = 'RUNNING';
    fs.writeFileSync(file, JSON.stringify(state));
    const err = await expectFatal(seeded.dir);
    expect(err.message).toContain(file);
    expect(err.message).toContain(`tasks.${seeded.ids.running}.ctx.status`);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('following the advice works: restoring state.json.bak (plus the journal segments) brings the tasks back', async () => {
    const seeded = await seedDir();
    // A second run makes a second snapshot, so state.json.bak is the first one.
    const w = wardenOn(seeded.dir, config);
    await w.start();
    await w.reportSuccess(seeded.ids.running, 'late but fine');
    await w.stop();
    expect(fs.existsSync(path.join(seeded.dir, 'state.json.bak'))).toBe(true);
    fs.writeFileSync(snapshotFile(seeded.dir), '{"schemaVersion":1,"n":');
    await expectFatal(seeded.dir);

    fs.copyFileSync(path.join(seeded.dir, 'state.json.bak'), snapshotFile(seeded.dir));
    const w2 = wardenOn(seeded.dir, config);
    await w2.start();
    expect(w2.get(seeded.ids.running)).toMatchObject({ status: 'SUCCEEDED', output: 'late but fine' });
    expect(w2.get(seeded.ids.done)?.status).toBe('SUCCEEDED');
  });
});

describe('the journal', () => {
  it('a torn last line (a crash mid-write): start succeeds, the line is skipped with a WARNING, and the journal is cut back so the next run is clean', async () => {
    const only = await journalOnlyDir();
    const valid = fs.readFileSync(only.journal);
    const torn = '{"n":' + String(only.lines.length + 1) + ',"r":{"kind":"task","id":"';
    fs.appendFileSync(only.journal, torn);

    const w = wardenOn(only.dir, config);
    await w.start();
    expect(w.get(only.ids.done)?.status).toBe('SUCCEEDED');
    const warnings = w.alerts().filter((a) => a.level === 'WARNING' && /torn/.test(a.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(only.journal);
    expect(warnings[0]?.component).toBe('store');

    // Cut back to the complete lines; what this run writes follows them.
    const now = fs.readFileSync(only.journal);
    expect(now.subarray(0, valid.length).equals(valid)).toBe(true);
    expect(now.includes(torn)).toBe(false);
    expect(readJournalFile(only.journal).torn).toBeUndefined();
    await w.reportSuccess(only.ids.running, 'after the tear');
    await w.stop();

    const w2 = wardenOn(only.dir, config);
    await w2.start();
    expect(w2.get(only.ids.running)).toMatchObject({ status: 'SUCCEEDED', output: 'after the tear' });
    // The old warning survives the restart; no new one was raised.
    expect(w2.alerts().filter((a) => /torn/.test(a.message))).toHaveLength(1);
  });

  it('a torn last line in a live journal after a snapshot (no other lines) is skipped too', async () => {
    const seeded = await seedDir();
    const live = path.join(seeded.dir, 'journal.jsonl');
    expect(fs.statSync(live).size).toBe(0);
    fs.writeFileSync(live, '{"n":9999,"r":');
    const w = wardenOn(seeded.dir, config);
    await w.start();
    expect(w.alerts().some((a) => a.level === 'WARNING' && a.message.includes(live))).toBe(true);
    expect(w.get(seeded.ids.done)?.status).toBe('SUCCEEDED');
  });

  it('a corrupt line in the middle is fatal, naming the file, the line and the byte', async () => {
    const only = await journalOnlyDir();
    const lines = [...only.lines];
    lines[2] = '{"n":3,"r":{"kind":"ta#@!';
    writeLines(only.journal, lines);
    const offset = lines[0]!.length + 1 + lines[1]!.length + 1;
    const err = await expectFatal(only.dir);
    expect(err.message).toContain(only.journal);
    expect(err.message).toMatch(/line 3\b/);
    expect(err.message).toContain(`byte ${offset}`);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('a complete line in the middle that is JSON but not a journal line is fatal', async () => {
    const only = await journalOnlyDir();
    const lines = [...only.lines];
    lines[3] = JSON.stringify({ n: 4, hello: 'world' });
    writeLines(only.journal, lines);
    const err = await expectFatal(only.dir);
    expect(err.message).toContain(only.journal);
    expect(err.message).toMatch(/line 4\b/);
  });

  it('a duplicated line number is fatal', async () => {
    const only = await journalOnlyDir();
    const lines = [...only.lines];
    lines.splice(3, 0, lines[2]!); // line n=3 twice
    writeLines(only.journal, lines);
    const err = await expectFatal(only.dir);
    expect(err.message).toContain(only.journal);
    expect(err.message).toMatch(/line 4\b/);
    expect(err.message).toMatch(/repeats|goes back/);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('line numbers out of order are fatal', async () => {
    const only = await journalOnlyDir();
    const lines = [...only.lines];
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    writeLines(only.journal, lines);
    const err = await expectFatal(only.dir);
    expect(err.message).toContain(only.journal);
    expect(err.message).toMatch(/line 4\b/);
    expect(err.message).toMatch(SAYS_WHAT_TO_DO);
  });

  it('a gap in the line numbers is fatal', async () => {
    const only = await journalOnlyDir();
    const lines = only.lines.map((l, i) => (i >= 4 ? renumber(l, i + 2) : l));
    writeLines(only.journal, lines);
    const err = await expectFatal(only.dir);
    expect(err.message).toContain(only.journal);
    expect(err.message).toMatch(/line 5\b/);
    expect(err.message).toMatch(/skips/);
  });

  it('a journal that starts past the snapshot (lines missing) is fatal', async () => {
    const seeded = await seedDir();
    const state = JSON.parse(fs.readFileSync(path.join(seeded.dir, 'state.json'), 'utf8')) as { n: number };
    const live = path.join(seeded.dir, 'journal.jsonl');
    const line = { n: state.n + 5, a: { id: 'x', at: new Date(0).toISOString(), level: 'WARNING', component: 't', message: 'm', details: {} } };
    fs.writeFileSync(live, JSON.stringify(line) + '\n');
    const err = await expectFatal(seeded.dir);
    expect(err.message).toContain(live);
    expect(err.message).toMatch(/missing/);
  });

  it('a task line in a state the machines no longer have ("RUNNING") is fatal, not a crash of the runtime', async () => {
    const only = await journalOnlyDir();
    // The last line about the IN_PROGRESS task claims it is RUNNING.
    const lines = only.lines.map((l) => {
      const o = JSON.parse(l) as { r?: { id: string; to: string }; task?: { status: string } };
      if (o.r?.id === only.ids.running && o.r.to === 'IN_PROGRESS' && o.task) {
        o.r.to = 'RUNNING';
        o.task.status = 'RUNNING';
        return JSON.stringify(o);
      }
      return l;
    });
    expect(lines).not.toEqual(only.lines);
    writeLines(only.journal, lines);
    const err = await expectFatal(only.dir);
    expect(err.message).toContain(only.journal);
    expect(err.message).toMatch(/RUNNING/);
    expect(err.message).toMatch(/line \d+/);
  });
});

describe('a data directory that cannot be written', () => {
  /**
   * chmod 0o500 stops writes for a normal user. Tests may run as root, where permission bits do not
   * stop writes (CAP_DAC_OVERRIDE): the probe below detects that, and then the test uses a dataDir
   * whose parent is a regular file instead, which no user can create a directory in.
   */
  function chmodStopsWrites(dir: string): boolean {
    fs.chmodSync(dir, 0o500);
    try {
      fs.writeFileSync(path.join(dir, '.probe'), 'x');
      fs.rmSync(path.join(dir, '.probe'));
      return false;
    } catch {
      return true;
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  }

  it('is fatal, names the directory and says what to do, and writes nothing', async () => {
    const seeded = await seedDir();
    if (chmodStopsWrites(tmpDir())) {
      fs.chmodSync(seeded.dir, 0o500);
      try {
        const err = await expectFatal(seeded.dir);
        expect(err.message).toContain(seeded.dir);
        expect(err.message).toMatch(/writable/);
      } finally {
        fs.chmodSync(seeded.dir, 0o700);
      }
    }
    // Under root (and also otherwise): a dataDir below a regular file.
    const parent = tmpDir();
    const file = path.join(parent, 'not-a-dir');
    fs.writeFileSync(file, 'a regular file\n');
    const dataDir = path.join(file, 'data');
    const before = hashDir(parent);
    const w = wardenOn(dataDir, config);
    const err = await rejection(w.start());
    expect(err.code).toBe('corrupt_state');
    expect(err.message).toContain(dataDir);
    expect(err.message).toMatch(/writable directory|set dataDir/);
    expect(hashDir(parent)).toEqual(before);
  });
});
