// What the simulator is for: show what a policy does before production does. A provider down for 10
// minutes, tasks that may retry 8 times: without a breaker every task spends its retries on the dead
// provider; with one, tasks wait behind the open circuit and the provider gets a few probes.
import { describe, expect, it } from 'vitest';
import type { WardenConfig } from '../../src/index.ts';
import type { Report } from '../../src/simulate/tally.ts';
import { builtinReport, retryingConfig } from './configs.ts';

const DURATION = 30 * 60_000;

const outage = (config: WardenConfig, label: string) => builtinReport('provider-outage', config, label, DURATION);

describe('provider-outage against the same config with and without its breaker', () => {
  it('the breaker cuts the calls to the down provider during its outage by more than 10×, and more of its tasks succeed', async () => {
    const without = await outage(retryingConfig({ breaker: false }), 'no breaker');
    const withBreaker = await outage(retryingConfig({ breaker: true }), 'breaker');
    const down = (r: Report) => r.providers.llm?.duringFaults;

    // The same arrivals reach both: the seed draws them from a stream of their own.
    expect(withBreaker.tasks.submitted).toBe(without.tasks.submitted);
    // Without the breaker each task that met the outage spent most of its 9 attempts on it.
    expect(down(without)?.callsPerTask).toBeGreaterThan(5);
    expect(down(withBreaker)?.calls).toBeGreaterThan(0);
    expect((down(without)?.calls ?? 0) / (down(withBreaker)?.calls ?? Infinity)).toBeGreaterThan(10);
    expect(withBreaker.breakerOpenings).toBeGreaterThan(0);
    expect(without.breakerOpenings).toBe(0);
    // Waiting behind the circuit spends no attempt, so those tasks still succeed once it is over.
    expect(withBreaker.tasks.escalated).toBeLessThan(without.tasks.escalated);
    // The healthy provider is untouched by either policy.
    expect(withBreaker.providers.backup?.duringFaults).toBeUndefined();
  });
});
