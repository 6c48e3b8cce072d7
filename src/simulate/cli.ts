// `warden simulate`: parses its flags, loads the config(s) and the scenario, runs them on a simulated
// clock and prints the table (or the JSON report), and writes the HTML report when asked.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { demoConfig } from '../../examples/demo.ts';
import type { WardenConfig } from '../config.ts';
import { isWardenError } from '../errors.ts';
import { BUILTIN_SCENARIOS } from './builtins.ts';
import { parseDuration } from './duration.ts';
import { renderHtml } from './html.ts';
import { loadConfigFile, loadScenario, LoadError } from './load.ts';
import { runSimulation, type SimulationResult } from './run.ts';
import { ScenarioError } from './scenario.ts';
import { formatTable } from './table.ts';
import { topologyOf } from './topology.ts';

export const SIMULATE_USAGE = `Usage: warden simulate [--config FILE] --scenario NAME|FILE [options]

Runs a config (its agents, supervisor, task types, breakers) against a storm on a simulated clock:
every agent's run() and resource is replaced by a scripted fault model; hours pass in seconds, and
the same config, scenario and seed give the same report. Nothing is called, paged or written.

Options:
  -c, --config <file>     the config module to try (as for \`warden --config\`)   (default: the demo's)
  -s, --scenario <name>   a built-in scenario (${BUILTIN_SCENARIOS.join(', ')})
                          or a scenario JSON file
      --seed <n>          an integer >= 0                                          (default: 1)
      --duration <d>      simulated time to cover, e.g. 90m, 1h, 1d      (default: the scenario's, 1h)
      --report <file>     also write a self-contained HTML report with charts
      --compare <file>    a second config run on the same scenario and seed, side by side
      --json              print the report as JSON (with --compare: { "runs": [a, b] })
  -h, --help              print this help
`;

const MAX_DURATION_MS = 30 * 86_400_000;

class UsageError extends Error {}

interface SimulateFlags {
  config?: string;
  scenario: string;
  seed: number;
  durationMs?: number;
  report?: string;
  compare?: string;
  json: boolean;
}

function parseFlags(argv: string[]): SimulateFlags | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        scenario: { type: 'string', short: 's' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        report: { type: 'string' },
        compare: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  for (const name of ['config', 'scenario', 'report', 'compare'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} must not be empty`);
  }
  if (!values.scenario) throw new UsageError(`--scenario is required: one of ${BUILTIN_SCENARIOS.join(', ')}, or a scenario JSON file`);
  const seed = values.seed === undefined ? 1 : /^\d{1,10}$/.test(values.seed) ? Number(values.seed) : NaN;
  if (!Number.isSafeInteger(seed) || seed > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to 4294967295, got ${JSON.stringify(values.seed)}`);
  const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (durationMs !== undefined && !(durationMs > 0 && durationMs <= MAX_DURATION_MS)) {
    throw new UsageError(`--duration must be more than 0 and at most 30d, got ${JSON.stringify(values.duration)}`);
  }
  if (values.duration !== undefined && durationMs === undefined) {
    throw new UsageError(`--duration must be a duration such as 90s, 10m, 1h or 1d, got ${JSON.stringify(values.duration)}`);
  }
  return { config: values.config, scenario: values.scenario, seed, durationMs, report: values.report, compare: values.compare, json: values.json ?? false };
}

async function configFrom(file: string | undefined): Promise<{ config: WardenConfig; label: string }> {
  const ctx = { dataDir: join(tmpdir(), 'warden-simulate-unused'), logger: pino({ level: 'silent' }) };
  if (file === undefined) return { config: demoConfig(ctx), label: 'demo' };
  return { config: await loadConfigFile(file, ctx), label: basename(file) };
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const runs: SimulationResult[] = [];
  let scenarioInfo = { name: flags.scenario, description: '' };
  const files = flags.compare === undefined ? [flags.config] : [flags.config, flags.compare];
  for (const file of files) {
    const { config, label } = await configFrom(file);
    // Built-ins are made for each config (which provider goes down); a file is the same for both.
    const scenario = loadScenario(flags.scenario, topologyOf(config), flags.durationMs);
    scenarioInfo = { name: scenario.name, description: scenario.description };
    const sameLabel = runs.some((r) => r.report.config === label);
    runs.push(await runSimulation(config, scenario, { seed: flags.seed, durationMs: flags.durationMs, configLabel: sameLabel ? (file ?? label) : label }));
  }
  const reports = runs.map((r) => r.report);
  if (flags.report) {
    try {
      writeFileSync(flags.report, renderHtml(runs, scenarioInfo));
    } catch (err) {
      throw new LoadError(`cannot write the report ${flags.report}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify(reports.length === 1 ? reports[0] : { runs: reports }) + '\n');
  else process.stdout.write(formatTable(reports) + (flags.report ? `HTML report: ${flags.report}\n` : ''));
}

/** Runs `warden simulate <argv>`; resolves with the process's exit code (0 ok, 1 failed, 2 usage). */
export async function runSimulateCli(argv: string[]): Promise<number> {
  try {
    const flags = parseFlags(argv);
    if (flags === 'help') {
      process.stdout.write(SIMULATE_USAGE);
      return 0;
    }
    await simulate(flags);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) {
      process.stderr.write(`warden simulate: ${message}\n\n${SIMULATE_USAGE}`);
      return 2;
    }
    if (err instanceof LoadError || err instanceof ScenarioError) process.stderr.write(`warden simulate: ${message}\n`);
    else if (isWardenError(err) && err.code === 'invalid_config') process.stderr.write(`warden simulate: invalid config: ${message}\n`);
    else process.stderr.write(`warden simulate: failed: ${message}\n`);
    return 1;
  }
}
