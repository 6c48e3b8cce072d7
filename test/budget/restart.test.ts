// Budgets and gates across a restart of the process (dataDir): a task's usage and budget, and a closed
// gate with its remaining time, come back from the journal and from the snapshot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import { advance, dropLikeACrash, tmpDir, turns, useStoreClock, useStoreHarness, wardenOn } from '../store/helpers.ts';

useStoreHarness();
useStoreClock();

function httpError(status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status }, extra);
}

const spend = (_t: TaskInfo, ctx: RunContext) => {
  ctx.reportUsage({ turns: 1, tokens: 700, costUsd: 0.7 });
  return 'ok';
};

describe.each(['journal', 'snapshot'] as const)('across a restart, from the %s', (from) => {
  it('usage and budget survive; the budget still binds', async () => {
    const dir = tmpDir();
    const config = { agents: { coder: { run: spend } }, taskTypes: { default: { budget: { costUsd: 1 } } } };
    const a = wardenOn(dir, config);
    await a.start();
    const { id } = await a.submit({ agent: 'coder', budget: { tokens: 500 } });
    await advance(0);
    expect(a.get(id)).toMatchObject({ status: 'ESCALATED', usage: { tokens: 700, costUsd: 0.7 }, budget: { costUsd: 1, tokens: 500 } });
    if (from === 'snapshot') await a.stop();
    else await dropLikeACrash(dir);

    const b = wardenOn(dir, config);
    await b.start();
    expect(b.get(id)).toMatchObject({ status: 'ESCALATED', usage: { turns: 1, tokens: 700, costUsd: 0.7 }, budget: { costUsd: 1, tokens: 500 } });
    expect(b.history(id).find((r) => r.from === 'IN_PROGRESS')?.usage).toMatchObject({ tokens: 700 });
    await expect(b.retry(id)).rejects.toThrow(/budget spent: tokens used 700 of 500/);
    const retried = await b.retry(id, { budget: { tokens: 1000, costUsd: 1 } });
    expect(retried.budget).toEqual({ costUsd: 1.7, tokens: 1700 });
  });

  it('a closed gate stays closed with its remaining time, then opens by itself', async () => {
    const dir = tmpDir();
    let calls = 0;
    const run = () => {
      calls++;
      if (calls === 1) throw httpError(429, { headers: { 'retry-after': '60' } });
      return 'ok';
    };
    const config = { agents: { coder: { run, provider: 'openai' } }, taskTypes: { default: { maxRetries: 0 } } };
    const a = wardenOn(dir, config);
    await a.start();
    await a.submit({ agent: 'coder' });
    await advance(0);
    const until = a.providers()[0]?.closedUntil;
    expect(until).toBe(new Date(Date.now() + 60_000).toISOString());
    await advance(20_000);
    const waiting = await a.submit({ agent: 'coder' });
    await advance(0);
    if (from === 'snapshot') await a.stop();
    else await dropLikeACrash(dir);
    if (from === 'snapshot') expect(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).providers.openai.gate).toBe('CLOSED');

    const b = wardenOn(dir, config);
    await b.start();
    expect(b.providers()[0]).toMatchObject({ provider: 'openai', gate: 'CLOSED', closedUntil: until });
    await advance(39_999);
    expect(b.get(waiting.id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    await advance(1);
    await turns(3);
    expect(b.providers()[0]?.gate).toBe('OPEN');
    expect(b.get(waiting.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });
});

describe('a snapshot whose budget, usage or gate does not validate', () => {
  it.each([
    ['a negative usage', (s: Snapshot) => (firstTask(s).ctx.usage = { turns: 0, tokens: -1, costUsd: 0, wallMs: 0 }), 'tasks'],
    ['a zero budget', (s: Snapshot) => (firstTask(s).ctx.budget = { costUsd: 0 }), 'tasks'],
    ['an unknown gate state', (s: Snapshot) => (s.providers = { coder: { gate: 'AJAR' } }), 'providers.coder.gate'],
  ])('%s stops the start with corrupt_state naming where, and the file is left as it is', async (_what, spoil, where) => {
    const dir = tmpDir();
    const config = { agents: { coder: { run: spend } }, taskTypes: { default: { budget: { costUsd: 1 } } } };
    const a = wardenOn(dir, config);
    await a.start();
    await a.submit({ agent: 'coder' });
    await advance(0);
    await a.stop();
    const file = path.join(dir, 'state.json');
    const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
    spoil(snap);
    const bytes = JSON.stringify(snap);
    fs.writeFileSync(file, bytes);
    const b = wardenOn(dir, config);
    await expect(b.start()).rejects.toMatchObject({ code: 'corrupt_state', message: expect.stringContaining(where) });
    expect(fs.readFileSync(file, 'utf8')).toBe(bytes);
  });
});

interface Snapshot {
  tasks: Record<string, { ctx: Record<string, unknown> }>;
  providers?: Record<string, unknown>;
}

function firstTask(s: Snapshot): { ctx: Record<string, unknown> } {
  const t = Object.values(s.tasks)[0];
  if (!t) throw new Error('the snapshot holds no task');
  return t;
}

describe('a journal line with a gate state the machine does not have', () => {
  it('stops the start with corrupt_state naming the line', async () => {
    const dir = tmpDir();
    const config = { agents: { coder: { run: spend } } };
    const a = wardenOn(dir, config);
    await a.start();
    await a.submit({ agent: 'coder' });
    await advance(0);
    await dropLikeACrash(dir);
    const file = path.join(dir, 'journal.jsonl');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '{}') as { n: number; r?: { seq: number } };
    const seq = Math.max(0, ...lines.map((l) => (JSON.parse(l) as { r?: { seq: number } }).r?.seq ?? 0));
    const bad = { n: last.n + 1, r: { seq: seq + 1, at: Date.now(), kind: 'provider', id: 'coder', from: 'OPEN', to: 'AJAR', event: 'CLOSE' }, provider: { gate: 'AJAR' } };
    fs.appendFileSync(file, `${JSON.stringify(bad)}\n${JSON.stringify({ ...bad, n: bad.n + 1 })}\n`);
    const b = wardenOn(dir, config);
    await expect(b.start()).rejects.toMatchObject({ code: 'corrupt_state', message: expect.stringContaining('names a gate state the machines do not have: "AJAR"') });
  });
});
