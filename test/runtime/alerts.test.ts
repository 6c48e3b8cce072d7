// Alerts as the warden keeps them: newest first, bounded by maxAlerts, limited by alerts({ limit }).
import { describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src/types.ts';
import { advance, flush, httpError, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const authFailure = async () => {
  throw httpError(401);
};

async function escalate(n: number, extra: { maxAlerts?: number; notify?: (a: Alert) => void } = {}) {
  const w = await startWarden({ agents: { coder: { run: authFailure } }, ...extra });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await w.submit({ agent: 'coder' })).id);
    await flush();
    await advance(1_000); // distinct times
  }
  return { w, ids };
}

describe('alerts()', () => {
  it('lists newest first, with ISO times, and honours limit', async () => {
    const { w, ids } = await escalate(3);
    const all = w.alerts();
    expect(all.map((a) => a.details['task'])).toEqual([...ids].reverse());
    expect(all.every((a) => /^\d{4}-\d\d-\d\dT/.test(a.at))).toBe(true);
    expect(Date.parse(all[0]?.at ?? '')).toBeGreaterThan(Date.parse(all[2]?.at ?? ''));
    expect(w.alerts({ limit: 2 }).map((a) => a.details['task'])).toEqual([ids[2], ids[1]]);
    expect(w.alerts({ limit: 1 })).toEqual([all[0]]);
  });

  it('limit 0 returns no alerts', async () => {
    const { w } = await escalate(2);
    expect(w.alerts({ limit: 0 })).toEqual([]);
  });

  it('keeps at most maxAlerts, dropping the oldest', async () => {
    const { w, ids } = await escalate(4, { maxAlerts: 2 });
    expect(w.alerts().map((a) => a.details['task'])).toEqual([ids[3], ids[2]]);
  });

  it('maxAlerts 0 keeps none, but the notifier still hears of each', async () => {
    const notify = vi.fn();
    const { w } = await escalate(3, { maxAlerts: 0, notify });
    expect(w.alerts()).toEqual([]);
    expect(notify).toHaveBeenCalledTimes(3);
  });
});
