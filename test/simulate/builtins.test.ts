// Each built-in scenario on the demo's config, at a fixed seed: a run repeats exactly, and its report
// says what the storm did (properties of the result, not numbers copied from a run).
import { describe, expect, it } from 'vitest';
import { builtinScenario, BUILTIN_SCENARIOS } from '../../src/simulate/builtins.ts';
import { runSimulation, type SimulationResult } from '../../src/simulate/run.ts';
import type { Report } from '../../src/simulate/tally.ts';
import { topologyOf } from '../../src/simulate/topology.ts';
import { demo, providerOf } from './configs.ts';

const MINUTE = 60_000;
const DURATION = 30 * MINUTE;
const SEED = 7;

async function simulate(name: string, seed = SEED, durationMs = DURATION): Promise<SimulationResult> {
  const config = demo();
  const scenario = builtinScenario(name, topologyOf(config), durationMs);
  if (!scenario) throw new Error(`no built-in ${name}`);
  return runSimulation(config, scenario, { seed, durationMs, configLabel: 'demo' });
}

function accountedFor(r: Report) {
  const t = r.tasks;
  expect(t.succeeded + t.escalated + t.cancelled + t.unfinished).toBe(t.submitted);
  expect(Object.values(t.escalatedBy).reduce((s, n) => s + n, 0)).toBe(t.escalated);
  // 30 a minute for 30 minutes, as a Poisson process: far from 0 and from twice that.
  expect(t.submitted).toBeGreaterThan(700);
  expect(t.submitted).toBeLessThan(1_100);
  expect(r.durationMs).toBe(DURATION);
}

// The demo's providers: planner's goes down in provider-outage and slow-provider (the first agent's);
// reviewer's is another one (with provider gates, planner and coder share one).
const DOWN = providerOf(demo(), 'planner');
const OTHERS = [...new Set(['coder', 'reviewer', 'ci'].map((a) => providerOf(demo(), a)))].filter((p) => p !== DOWN);
const HEALTHY = providerOf(demo(), 'reviewer');
const ALL = [DOWN, ...OTHERS];

const failRate = (r: Report, p: string) => (r.providers[p]?.failedCalls ?? 0) / Math.max(1, r.providers[p]?.calls ?? 0);

describe('the built-in scenarios on the demo config', () => {
  it('are the five the issue names', () => {
    expect([...BUILTIN_SCENARIOS].sort()).toEqual(['429-storm', 'crash-loop', 'kill-9', 'provider-outage', 'slow-provider']);
  });

  it.each(BUILTIN_SCENARIOS)('%s: the same seed twice gives the same report and series; another seed another', async (name) => {
    const a = await simulate(name);
    const b = await simulate(name);
    expect(b).toEqual(a);
    const other = await simulate(name, SEED + 1);
    expect(other.report.tasks.submitted === a.report.tasks.submitted && other.report.budgetSpent.tokens === a.report.budgetSpent.tokens).toBe(false);
    accountedFor(a.report);
  });

  it('provider-outage: every call to the down provider in its 10 minutes fails, its breaker opens, the others barely notice', async () => {
    const { report } = await simulate('provider-outage');
    const down = report.providers[DOWN];
    expect(down?.duringFaults?.calls).toBeGreaterThan(0);
    // Base errors fail a few calls outside the outage too; all those inside it fail.
    expect(down?.failedCalls).toBeGreaterThanOrEqual(down?.duringFaults?.calls ?? Infinity);
    expect(report.breakerOpenings).toBeGreaterThan(0);
    for (const p of OTHERS) {
      expect(report.providers[p]?.duringFaults).toBeUndefined();
      expect(failRate(report, p)).toBeLessThan(0.1);
    }
    expect(failRate(report, DOWN)).toBeGreaterThan(3 * failRate(report, HEALTHY));
    // What escalates is the outage's 503s, once the retries are spent.
    expect(report.tasks.escalatedBy.server ?? 0).toBeGreaterThan(report.tasks.escalated / 2);
  });

  it('429-storm: every provider is called during the bursts and tasks retried, and a task that met one waited its Retry-After (>= 5 s)', async () => {
    const { report } = await simulate('429-storm');
    for (const p of ALL) expect(report.providers[p]?.duringFaults?.calls).toBeGreaterThan(0);
    expect(report.attemptsPerTask).toBeGreaterThan(1.05);
    expect(report.timeToSuccessMs.p99).toBeGreaterThanOrEqual(5_000);
    expect(report.tasks.succeeded / report.tasks.submitted).toBeGreaterThan(0.8);
    expect(report.tasks.escalatedBy.rate_limit ?? 0).toBeGreaterThan(report.tasks.escalated / 2);
  });

  it('slow-provider: calls past the 2.5 s time limit fail the slow provider only, and successes there take longer', async () => {
    const { report } = await simulate('slow-provider');
    expect(report.providers[DOWN]?.duringFaults?.calls).toBeGreaterThan(0);
    expect(failRate(report, DOWN)).toBeGreaterThan(5 * failRate(report, HEALTHY));
    expect(report.timeToSuccessMs.p99).toBeGreaterThan(2_500);
  });

  it('crash-loop: the dying resource is restarted until the root gives up, and then no work gets done', async () => {
    const { report } = await simulate('crash-loop');
    // rest_for_one: tools first, so every crash restarts it and everything after it.
    expect(report.restarts).toBeGreaterThan(3);
    expect(report.supervisorEscalations).toBeGreaterThanOrEqual(1);
    expect(report.tasks.unfinished).toBeGreaterThan(report.tasks.submitted / 2);
  });

  it('kill-9: two kills and restarts from the data directory lose no task: the same arrivals, all but the last few finished', async () => {
    const killed = await simulate('kill-9');
    expect(killed.report.processRestarts).toBe(2);
    const calm = await simulate('provider-outage');
    expect(killed.report.tasks.submitted).toBe(calm.report.tasks.submitted);
    // A task dropped at a kill would stay unfinished to the end; only those of the last seconds may.
    expect(killed.report.tasks.unfinished).toBeLessThanOrEqual(5);
    expect(killed.report.tasks.succeeded / killed.report.tasks.submitted).toBeGreaterThan(0.95);
  });

  it('an hour simulated covers the whole hour: the last sample closes at 60 minutes and calls were made in its last minute', async () => {
    const { report, series } = await simulate('provider-outage', SEED, 60 * MINUTE);
    expect(report.durationMs).toBe(60 * MINUTE);
    expect(series.byStatus.length * series.sampleMs).toBe(60 * MINUTE);
    const lastMinute = Object.values(series.callsPerMinute).reduce((s, perMinute) => s + (perMinute[59] ?? 0), 0);
    expect(lastMinute).toBeGreaterThan(0);
    expect(report.tasks.submitted).toBeGreaterThan(1_500);
  });
});
