// Configs the simulator tests run: the demo's (what `warden simulate` uses without --config) and a
// small one whose retries would multiply calls during an outage unless a breaker stops them.
import { pino } from 'pino';
import { demoConfig } from '../../examples/demo.ts';
import type { WardenConfig } from '../../src/index.ts';
import { builtinScenario } from '../../src/simulate/builtins.ts';
import { runSimulation } from '../../src/simulate/run.ts';
import type { Report } from '../../src/simulate/tally.ts';
import { topologyOf } from '../../src/simulate/topology.ts';

export function demo(): WardenConfig {
  return demoConfig({ dataDir: '/nonexistent/warden-simulate-test', logger: pino({ level: 'silent' }) });
}

const notCalled = () => {
  throw new Error('the simulator replaces run()');
};

/**
 * `llm` (the first agent, so provider-outage takes its provider down) and `backup` on a provider of its
 * own; eight retries each, a second apart and doubling. `breaker: false` leaves the breaker in place
 * but out of reach (a threshold no window fills), the closest a config comes to having none.
 */
export function retryingConfig(opts: { breaker: boolean }): WardenConfig {
  const breaker = opts.breaker ? { failureThreshold: 5, windowMs: 30_000, openMs: 60_000, halfOpenProbes: 1 } : { failureThreshold: 1_000_000_000, windowMs: 1_000 };
  return {
    agents: {
      llm: { run: notCalled, timeoutMs: 10_000, concurrency: 8, breaker },
      backup: { run: notCalled, timeoutMs: 10_000, concurrency: 8, breaker },
    },
    taskTypes: { default: { maxRetries: 8, backoff: { initialMs: 1_000, factor: 2, maxMs: 10_000, jitter: 'none' }, recovery: ['retry', 'escalate'] } },
  };
}

/** The provider `agent` calls in `config` (its `provider`, else its own name), as the simulator groups it. */
export function providerOf(config: WardenConfig, agent: string): string {
  const def = config.agents[agent] as { provider?: unknown } | undefined;
  return typeof def?.provider === 'string' ? def.provider : agent;
}

/** The report of one built-in scenario against `config`, seed 11: what the comparison tests run twice. */
export async function builtinReport(name: string, config: WardenConfig, label: string, durationMs: number): Promise<Report> {
  const scenario = builtinScenario(name, topologyOf(config), durationMs);
  if (!scenario) throw new Error(`${name} is built in`);
  return (await runSimulation(config, scenario, { seed: 11, durationMs, configLabel: label })).report;
}
