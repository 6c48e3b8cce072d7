// `npx tsx bench/simulate.ts`: how fast `warden simulate` covers simulated time. Each built-in
// scenario runs an hour on the demo's config; its tasks per wall second are printed next to a
// baseline measured in the same run: as many no-op tasks through a bare in-memory warden on the
// real clock. Prints figures only; asserts nothing. BENCH_SIM_MINUTES (default 60) sets the hour.
import { pino } from 'pino';
import { demoConfig } from '../examples/demo.ts';
import { createWarden } from '../src/index.ts';
import { builtinScenario, BUILTIN_SCENARIOS } from '../src/simulate/builtins.ts';
import { runSimulation } from '../src/simulate/run.ts';
import { topologyOf } from '../src/simulate/topology.ts';
import { fmtRatio, nowMs, table } from './util.ts';

const MINUTES = Number(process.env.BENCH_SIM_MINUTES ?? 60);
const durationMs = MINUTES * 60_000;
const silent = pino({ level: 'silent' });

/** `n` no-op tasks through a bare warden: what a task costs without any simulation around it. */
async function baselinePerSecond(n: number): Promise<number> {
  const w = createWarden({ agents: { a: { run: () => 'ok', concurrency: 64 } }, persist: false, logger: silent });
  await w.start();
  const t0 = nowMs();
  const ids = await Promise.all(Array.from({ length: n }, () => w.submit({ agent: 'a', input: {} }).then((r) => r.id)));
  await Promise.all(ids.map((id) => w.result(id)));
  const s = (nowMs() - t0) / 1_000;
  await w.stop();
  return n / s;
}

const rows: string[][] = [];
for (const name of BUILTIN_SCENARIOS) {
  const config = demoConfig({ dataDir: '/nonexistent', logger: silent });
  const scenario = builtinScenario(name, topologyOf(config), durationMs);
  if (!scenario) continue;
  const t0 = nowMs();
  const { report } = await runSimulation(config, scenario, { seed: 1, durationMs });
  const wallS = (nowMs() - t0) / 1_000;
  const base = await baselinePerSecond(report.tasks.submitted);
  const perS = report.tasks.submitted / wallS;
  rows.push([name, `${MINUTES} min`, `${wallS.toFixed(2)} s`, `${Math.round(durationMs / 1_000 / wallS)}×`, String(report.tasks.submitted), `${Math.round(perS)}/s`, `${Math.round(base)}/s`, fmtRatio(perS / base)]);
}
process.stdout.write(`warden simulate on the demo's config, seed 1 (baseline: the same number of no-op tasks through a bare warden, same run)\n`);
process.stdout.write(table(['scenario', 'simulated', 'wall', 'speed-up', 'tasks', 'tasks/s', 'baseline', 'vs baseline'], rows) + '\n');
