// A task restored in FAILED: the process died between a failure and its decision. Today's runtime
// journals the failure and its decision in one turn (the FAILED line already holds the decided state),
// so such a journal comes from a process that decided asynchronously or from an older one: it is
// written here by cutting the journal after the FAILED record and putting the task back in FAILED with
// no decision. Restore must decide it (a DECIDE record), and an operator can RETRY it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TransitionRecord } from '../../src/index.ts';
import { external, quickTypes, tmpDir, turns, useStoreHarness, wardenOn, writeLines } from './helpers.ts';

useStoreHarness();

const config = { agents: { ext: external }, taskTypes: quickTypes };

/** A data dir holding one task whose last journal line is its FAILED record (no snapshot, no decision). */
async function failedDir(status: number): Promise<{ dir: string; id: string }> {
  const dir = tmpDir();
  const w = wardenOn(dir, config, undefined, false);
  await w.start();
  const { id } = await w.submit({ agent: 'ext', input: { status } });
  await w.reportFailure(id, { status, message: `HTTP ${status}` });
  await w.stop();
  const segments = fs.readdirSync(dir).filter((f) => /^journal-\d+\.jsonl$/.test(f)).sort();
  const files = [...segments.map((f) => path.join(dir, f)), path.join(dir, 'journal.jsonl')];
  const lines = files.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const failedAt = lines.findIndex((l) => {
    const r = (JSON.parse(l) as { r?: TransitionRecord }).r;
    return r?.id === id && r.to === 'FAILED';
  });
  expect(failedAt, 'the FAILED record is in the journal').toBeGreaterThanOrEqual(0);
  expect(lines.length, 'a decision followed it').toBeGreaterThan(failedAt + 1);
  for (const f of [...segments, 'state.json', 'state.json.bak']) fs.rmSync(path.join(dir, f), { force: true });
  const failed = JSON.parse(lines[failedAt] ?? '{}') as { task: Record<string, unknown> };
  failed.task.status = 'FAILED';
  delete failed.task.decision;
  delete failed.task.retryAt;
  writeLines(path.join(dir, 'journal.jsonl'), [...lines.slice(0, failedAt), JSON.stringify(failed)]);
  return { dir, id };
}

async function settled(): Promise<void> {
  for (let i = 0; i < 10; i++) await turns(3);
}

describe('a task restored in FAILED', () => {
  it('a retryable failure (503) is decided at restore: DECIDE to RETRY_WAIT, budget kept', async () => {
    const { dir, id } = await failedDir(503);
    const w = wardenOn(dir, config);
    await w.start();
    await settled();
    const view = w.get(id);
    expect(view?.status).toBe('RETRY_WAIT');
    expect(view?.attempts).toBe(1);
    expect(w.history(id).slice(-2).map((r) => [r.from, r.to, r.event])).toEqual([
      ['IN_PROGRESS', 'FAILED', 'FAIL'],
      ['FAILED', 'RETRY_WAIT', 'DECIDE'],
    ]);
  });

  it('a fatal failure (401) is decided at restore: DECIDE to ESCALATED; then an operator RETRY runs it again', async () => {
    const { dir, id } = await failedDir(401);
    const w = wardenOn(dir, config);
    await w.start();
    await settled();
    expect(w.get(id)?.status).toBe('ESCALATED');
    expect(w.history(id).at(-1)).toMatchObject({ from: 'FAILED', to: 'ESCALATED', event: 'DECIDE' });
    await w.retry(id);
    await settled();
    expect(w.get(id)?.status).toBe('IN_PROGRESS');
    expect(w.get(id)?.attempts).toBe(2);
    await w.reportSuccess(id, { ok: true });
    expect(w.get(id)?.status).toBe('SUCCEEDED');
  });
});
