// The simulator's promise: the same config, scenario and seed give the same report, whatever the seed
// and whichever storm, kills and restarts included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinScenario, BUILTIN_SCENARIOS } from '../../src/simulate/builtins.ts';
import { runSimulation } from '../../src/simulate/run.ts';
import { topologyOf } from '../../src/simulate/topology.ts';
import { demo } from './configs.ts';

const DURATION = 12 * 60_000;

describe('a simulated run', () => {
  it('repeats exactly for any seed and built-in scenario', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...BUILTIN_SCENARIOS), async (seed, name) => {
        const config = demo();
        const scenario = builtinScenario(name, topologyOf(config), DURATION);
        if (!scenario) throw new Error(`no built-in ${name}`);
        const first = await runSimulation(config, scenario, { seed, durationMs: DURATION });
        const second = await runSimulation(demo(), scenario, { seed, durationMs: DURATION });
        expect(second).toEqual(first);
        expect(first.report.tasks.submitted).toBeGreaterThan(0);
      }),
      { numRuns: 6 },
    );
  });
});
