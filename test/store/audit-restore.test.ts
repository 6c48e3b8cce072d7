// The audit trail survives a restart: `by`, `reason` and `lastError` come back from the data dir,
// after a clean stop and after a crash (the journal alone).
import { describe, expect, it } from 'vitest';
import type { Warden } from '../../src/index.ts';
import { dropLikeACrash, external, tmpDir, turns, useStoreHarness, wardenOn, useStoreClock } from './helpers.ts';

useStoreHarness();
useStoreClock();

const config = { agents: { ext: external }, taskTypes: { default: { maxRetries: 0, recovery: ['escalate'] } } };

async function started(dir: string): Promise<Warden> {
  const w = wardenOn(dir, config, undefined, false);
  await w.start();
  return w;
}

describe.each(['stop', 'crash'] as const)('after %s', (how) => {
  it('by, reason and lastError are restored', async () => {
    const dir = tmpDir();
    const a = await started(dir);
    const { id } = await a.submit({ agent: 'ext' });
    await turns(3);
    await a.reportFailure(id, { status: 401, message: 'key revoked' });
    await a.retry(id, { reason: 'new key', by: 'otto' });
    await turns(3);
    const before = { view: a.get(id), history: a.history(id) };
    expect(before.view).toMatchObject({ lastError: { kind: 'auth' } });
    expect(before.view).not.toHaveProperty('error');
    if (how === 'stop') await a.stop();
    else await dropLikeACrash(dir);
    const b = await started(dir);
    expect(b.get(id)).toEqual(before.view);
    expect(b.history(id)).toEqual(before.history);
    expect(b.history(id).find((r) => r.event === 'RETRY')).toMatchObject({ by: 'otto', reason: 'new key' });
    await b.stop();
  });
});
