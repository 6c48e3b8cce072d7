// The scenario file format: what a valid file means, a clear error naming the field for each wrong
// one, names checked against the config, and the fault model doing what the file says.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinScenario } from '../../src/simulate/builtins.ts';
import { createFaultModel } from '../../src/simulate/fault-model.ts';
import { runSimulation } from '../../src/simulate/run.ts';
import { parseScenario, ScenarioError, windowActive, type FaultWindow } from '../../src/simulate/scenario.ts';
import { topologyOf } from '../../src/simulate/topology.ts';
import { demo, retryingConfig } from './configs.ts';

const MINUTE = 60_000;

describe('parseScenario', () => {
  it('fills in the defaults and reads durations written as text', () => {
    const s = parseScenario({ arrivals: { perMinute: 10 }, durationMs: '2h', windows: [{ target: 'llm', fromMs: '5m', toMs: '6m', errors: { server: 1 }, retryAfterMs: ['90s', 120_000] }] }, 'mine');
    expect(s.name).toBe('mine');
    expect(s.durationMs).toBe(2 * 60 * MINUTE);
    expect(s.windows[0]).toMatchObject({ fromMs: 5 * MINUTE, toMs: 6 * MINUTE, errors: { server: 1 }, retryAfterMs: [90_000, 120_000] });
    expect(s.calls.latencyMs[0]).toBeLessThanOrEqual(s.calls.latencyMs[1]);
    expect(s.killAtMs).toEqual([]);
  });

  it.each([
    [{}, 'scenario arrivals: is required'],
    [{ arrivals: { perMinute: 0 } }, 'scenario arrivals.perMinute: must be more than 0'],
    [{ arrivals: { perMinute: 1 }, durationMs: 'soon' }, 'scenario durationMs: must be a duration'],
    [{ arrivals: { perMinute: 1 }, calls: { errors: { server: 0.7, rate_limit: 0.5 } } }, 'scenario calls.errors: probabilities must add up to at most 1, got 1.2'],
    [{ arrivals: { perMinute: 1 }, calls: { errors: { teapot: 0.1 } } }, 'scenario calls.errors: is not a known field'],
    [{ arrivals: { perMinute: 1 }, calls: { latencyMs: [500, 100] } }, 'scenario calls.latencyMs: must be [min, max] with min <= max, got [500, 100]'],
    [{ arrivals: { perMinute: 1 }, windows: [{ target: 'llm', fromMs: 600_000, toMs: 60_000 }] }, 'scenario windows[0].toMs: must be after fromMs (600000)'],
    [{ arrivals: { perMinute: 1 }, windows: [{ target: 'llm', fromMs: 0, toMs: '10m', repeatEveryMs: '5m' }] }, "scenario windows[0].repeatEveryMs: must be at least the window's length (600000 ms)"],
    [{ arrivals: { perMinute: 1 }, killAtMs: [0] }, 'scenario killAtMs[0]: must be more than 0'],
    [{ arrivals: { perMinute: 1 }, tasks: 5 }, 'scenario: is not a known field'],
  ])('rejects %j: %s', (input, message) => {
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(message);
  });
});

describe('a window is in force', () => {
  it('from fromMs to toMs, and again every repeatEveryMs: the same as listing every repetition', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 100_000 }), (from, length, gap, at) => {
        const w: FaultWindow = { target: '*', fromMs: from, toMs: from + length, repeatEveryMs: length + gap };
        let listed = false;
        for (let k = 0; from + k * (length + gap) <= at; k++) listed ||= at >= from + k * (length + gap) && at < from + k * (length + gap) + length;
        expect(windowActive(w, at)).toBe(listed);
        expect(windowActive({ ...w, repeatEveryMs: undefined }, at)).toBe(at >= from && at < from + length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the fault model', () => {
  it('gives a target the behaviour of its window while it lasts and the base before and after; other agents keep the base', () => {
    const config = retryingConfig({ breaker: true });
    const scenario = parseScenario({ arrivals: { perMinute: 1 }, calls: { errors: { server: 0.1 } }, agents: { backup: { latencyMs: 50 } }, windows: [{ target: 'llm', fromMs: '10m', toMs: '20m', errors: { rate_limit: 1 }, retryAfterMs: '30s' }] });
    const model = createFaultModel({ scenario, topology: topologyOf(config), seed: 1, startAt: 0 });
    expect(model.behaviourAt('llm', 9 * MINUTE).errors).toEqual({ server: 0.1 });
    expect(model.behaviourAt('llm', 10 * MINUTE)).toMatchObject({ errors: { rate_limit: 1 }, retryAfterMs: [30_000, 30_000] });
    expect(model.behaviourAt('llm', 20 * MINUTE).errors).toEqual({ server: 0.1 });
    expect(model.behaviourAt('backup', 15 * MINUTE)).toMatchObject({ errors: { server: 0.1 }, latencyMs: [50, 50] });
  });

  it("a file's 429 window: the runtime classifies the scripted 429s as rate limits and waits their Retry-After", async () => {
    const config = retryingConfig({ breaker: false });
    const scenario = parseScenario({
      arrivals: { perMinute: 20, mix: [{ agent: 'llm' }] },
      calls: { errors: {}, latencyMs: 100 },
      windows: [{ target: 'llm', fromMs: '5m', toMs: '6m', errors: { rate_limit: 1 }, retryAfterMs: '2m' }],
    });
    const { report } = await runSimulation(config, scenario, { seed: 3, durationMs: 10 * MINUTE });
    const llm = report.providers.llm;
    // Every call in the window failed, and none of those tasks came back inside it: each waited the
    // 2 minutes (on its own 429's Retry-After, or, with provider gates, behind the gate another's closed).
    expect(llm?.duringFaults?.calls).toBe(llm?.failedCalls);
    expect(llm?.duringFaults?.callsPerTask).toBe(1);
    expect(report.timeToSuccessMs.p99).toBeGreaterThan(1.5 * MINUTE);
    expect(report.providers.backup?.calls).toBe(0);
    expect(report.tasks.succeeded).toBe(report.tasks.submitted - report.tasks.unfinished);
  });

  it('refuses a scenario that names an agent, provider or task type the config does not have, naming it', async () => {
    const run = (s: unknown) => runSimulation(demo(), parseScenario(s), { seed: 1, durationMs: MINUTE });
    await expect(run({ arrivals: { perMinute: 1 }, windows: [{ target: 'mistral', fromMs: 0, toMs: 1_000 }] })).rejects.toThrow(
      'scenario windows[0].target: no agent or provider named "mistral" in the config (agents: tools, planner, coder, reviewer, ci;',
    );
    await expect(run({ arrivals: { perMinute: 1, mix: [{ agent: 'tools' }] } })).rejects.toThrow('scenario arrivals.mix[0].agent: no agent named "tools" that takes tasks');
    await expect(run({ arrivals: { perMinute: 1, mix: [{ agent: 'coder', type: 'poetry' }] } })).rejects.toThrow('scenario arrivals.mix[0].type: no task type "poetry"');
    await expect(run({ arrivals: { perMinute: 1 }, resources: { coder: { uptimeMs: 100 } } })).rejects.toThrow('scenario resources.coder: no agent with start()');
  });

  it('crash-loop needs a resource agent: a config without one gets an error saying so', () => {
    expect(() => builtinScenario('crash-loop', topologyOf(retryingConfig({ breaker: true })))).toThrow(
      new ScenarioError('scenario crash-loop needs a resource agent (one with start()); the config has none'),
    );
  });

  it('an operator who cancels: about the fraction asked for ends CANCELLED', async () => {
    const scenario = parseScenario({ arrivals: { perMinute: 30 }, calls: { errors: {}, latencyMs: ['20s', '40s'] }, operator: { cancelFraction: 0.5, cancelAfterMs: [1_000, 10_000] } });
    const { report } = await runSimulation(retryingConfig({ breaker: true }), scenario, { seed: 5, durationMs: 20 * MINUTE });
    expect(report.tasks.cancelled / report.tasks.submitted).toBeGreaterThan(0.35);
    expect(report.tasks.cancelled / report.tasks.submitted).toBeLessThan(0.65);
  });
});
