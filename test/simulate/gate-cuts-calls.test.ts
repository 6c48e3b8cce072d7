// The other half of what the simulator shows: in a 429 storm, a provider gate and a breaker hold every
// task of the provider while its Retry-After runs, where without them each task keeps calling and
// earns a 429 of its own.
import { describe, expect, it } from 'vitest';
import type { WardenConfig } from '../../src/index.ts';
import type { Report } from '../../src/simulate/tally.ts';
import { builtinReport, retryingConfig } from './configs.ts';

const DURATION = 30 * 60_000;

/** Both agents on one provider, `openai`; with `guarded` its gate closes on a Retry-After and the breakers are in reach. */
function sharedProvider(guarded: boolean): WardenConfig {
  const base = retryingConfig({ breaker: guarded });
  const agents = Object.fromEntries(Object.entries(base.agents).map(([name, a]) => [name, { ...a, provider: 'openai' }]));
  return { ...base, agents, providers: { openai: { closeOnRetryAfter: guarded } } };
}

const storm = (config: WardenConfig, label: string) => builtinReport('429-storm', config, label, DURATION);

describe('429-storm against the same config with and without its gate and breakers', () => {
  it('the gate and the breakers cut the calls made during the bursts by a large factor', async () => {
    const without = await storm(sharedProvider(false), 'no gate, no breaker');
    const guarded = await storm(sharedProvider(true), 'gate and breakers');
    const during = (r: Report) => r.providers.openai?.duringFaults;
    console.log(`429-storm calls during bursts: without ${during(without)?.calls} (${during(without)?.callsPerTask}/task), with ${during(guarded)?.calls} (${during(guarded)?.callsPerTask}/task); gate closings ${without.gateClosings} / ${guarded.gateClosings}; escalated ${without.tasks.escalated} / ${guarded.tasks.escalated}`);
    expect(guarded.tasks.submitted).toBe(without.tasks.submitted);
    expect(without.gateClosings).toBe(0);
    expect(guarded.gateClosings).toBeGreaterThan(0);
    expect((during(without)?.calls ?? 0) / (during(guarded)?.calls ?? Infinity)).toBeGreaterThan(4);
    expect(guarded.tasks.escalated).toBeLessThanOrEqual(without.tasks.escalated);
  });
});
