// One simulated run: the user's config with every effect replaced by the fault model, on a
// SimulatedClock, fed the scenario's arrivals, killed and restarted where the scenario says, and
// tallied from its TransitionRecords. Deterministic for a seed: every draw comes from a seeded stream
// and no real timer or real time is read.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { MAX_TIMER_MS, type AgentConfig, type WardenConfig } from '../config.ts';
import { createWarden, SimulatedClock, type Warden } from '../index.ts';
import { clockView, type ClockView } from './clock-view.ts';
import { createFaultModel, type FaultModel } from './fault-model.ts';
import { between, exponential, stream, weighted } from './random.ts';
import { ScenarioError, windowActive, type Scenario } from './scenario.ts';
import { createTally, type Report, type Series } from './tally.ts';
import { targetAgents, topologyOf, type Topology } from './topology.ts';

/** Where simulated time starts: a fixed instant, so records' times repeat from run to run. */
export const SIMULATION_EPOCH = Date.UTC(2030, 0, 1);

export interface SimulationOptions {
  seed: number;
  /** @defaultValue the scenario's durationMs */
  durationMs?: number;
  /** how the report names the config. @defaultValue 'config' */
  configLabel?: string;
}

export interface SimulationResult {
  report: Report;
  series: Series;
}

interface Arrival {
  atMs: number;
  agent: string;
  type: string;
  cancelAfterMs?: number;
}

/** The whole run's traffic, drawn up front from its own stream: the same for every config under one seed. */
function arrivals(scenario: Scenario, topology: Topology, seed: number, durationMs: number): Arrival[] {
  const random = stream(seed, 'arrivals');
  const mix = scenario.arrivals.mix ?? topology.workers.map((agent) => ({ agent, type: undefined, weight: 1 }));
  const perMs = scenario.arrivals.perMinute / 60_000;
  const out: Arrival[] = [];
  for (let at = exponential(random, perMs); at < durationMs; at += exponential(random, perMs)) {
    const pick = weighted(random, mix);
    const cancel = random() < scenario.operator.cancelFraction;
    const after = between(random, scenario.operator.cancelAfterMs);
    if (!pick) break;
    out.push({ atMs: Math.floor(at), agent: pick.agent, type: pick.type ?? 'default', ...(cancel ? { cancelAfterMs: Math.round(after) } : {}) });
  }
  return out;
}

/** Each window's stretches within the run, repeats spelled out. */
function faultSpans(scenario: Scenario, durationMs: number): Array<{ fromMs: number; toMs: number; label: string }> {
  const spans: Array<{ fromMs: number; toMs: number; label: string }> = [];
  for (const w of scenario.windows) {
    const label = w.label ?? `faults on ${w.target}`;
    const every = w.repeatEveryMs ?? Infinity;
    for (let from = w.fromMs; from < durationMs && spans.length < 1_000; from += every) {
      spans.push({ fromMs: from, toMs: Math.min(durationMs, from + w.toMs - w.fromMs), label });
    }
  }
  return spans;
}

/** Every name the scenario uses must be in the config: a typo would otherwise simulate nothing. */
function checkNames(scenario: Scenario, topology: Topology, config: WardenConfig) {
  const known = `agents: ${topology.agents.map((a) => a.name).join(', ')}; providers: ${[...topology.providers.keys()].join(', ')}`;
  for (const [i, w] of scenario.windows.entries()) {
    if (!targetAgents(topology, w.target)) throw new ScenarioError(`scenario windows[${i}].target: no agent or provider named "${w.target}" in the config (${known})`);
  }
  for (const key of Object.keys(scenario.agents)) {
    if (key !== '*' && !targetAgents(topology, key)) throw new ScenarioError(`scenario agents.${key}: no agent or provider by that name in the config (${known})`);
  }
  for (const key of Object.keys(scenario.resources)) {
    if (key !== '*' && !topology.agents.some((a) => a.name === key && a.resource)) {
      throw new ScenarioError(`scenario resources.${key}: no agent with start() by that name in the config (${known})`);
    }
  }
  const types = new Set(['default', ...Object.keys(config.taskTypes ?? {})]);
  for (const [i, m] of (scenario.arrivals.mix ?? []).entries()) {
    if (!topology.workers.includes(m.agent)) throw new ScenarioError(`scenario arrivals.mix[${i}].agent: no agent named "${m.agent}" that takes tasks (${known})`);
    if (m.type !== undefined && !types.has(m.type)) throw new ScenarioError(`scenario arrivals.mix[${i}].type: no task type "${m.type}" in the config (types: ${[...types].join(', ')})`);
  }
  if (topology.workers.length === 0) throw new ScenarioError('the config has no agent that takes tasks: nothing to simulate');
}

/** The user's config with its effects scripted: runs, resources, notifications, logs, storage. */
function instrument(config: WardenConfig, model: FaultModel, clock: ClockView, dataDir: string | undefined): WardenConfig {
  const agents: Record<string, AgentConfig> = {};
  for (const [name, def] of Object.entries(config.agents)) {
    const scripted: AgentConfig = { ...def };
    if (typeof def.run === 'function') scripted.run = model.run(name, clock);
    if (typeof def.start === 'function') {
      scripted.start = model.start(name, clock);
      scripted.stop = () => undefined;
    }
    agents[name] = scripted;
  }
  // A simulation pages nobody, logs nothing, inspects nothing and never touches the config's own store.
  const { notify: _notify, inspect: _inspect, logger: _logger, ...rest } = config as WardenConfig & { store?: unknown };
  delete (rest as { store?: unknown }).store;
  return {
    ...rest,
    agents,
    logger: pino({ level: 'silent' }),
    drainMs: 0,
    // Snapshots are timed partly on real time and written with async I/O: only the journal (written
    // synchronously, once a turn) may hold the state a kill leaves, or a run would not repeat.
    ...(dataDir ? { dataDir, persist: true, durability: 'write' as const, snapshotEvery: Number.MAX_SAFE_INTEGER, snapshotIntervalMs: MAX_TIMER_MS } : { persist: false }),
  };
}

/** The files of a data directory as they are now; a temp file mid-rename is no part of the state. */
function copyFiles(from: string, to: string) {
  for (const name of readdirSync(from)) {
    if (name.endsWith('.tmp')) continue;
    try {
      copyFileSync(join(from, name), join(to, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** The tally of a run: which provider each agent is, and which fault windows hit it when. */
function tallyFor(scenario: Scenario, topology: Topology, opts: SimulationOptions, durationMs: number) {
  const providerOf = new Map(topology.agents.map((a) => [a.name, a.provider]));
  const hit = scenario.windows.map((w) => ({ w, agents: new Set(targetAgents(topology, w.target) ?? []) }));
  return createTally({
    scenario: scenario.name,
    config: opts.configLabel ?? 'config',
    seed: opts.seed,
    startAt: SIMULATION_EPOCH,
    durationMs,
    providerOf: (a) => providerOf.get(a) ?? a,
    inFault: (agent, at) => hit.some(({ w, agents }) => agents.has(agent) && windowActive(w, at - SIMULATION_EPOCH)),
    faulted: new Set(hit.flatMap(({ agents }) => [...agents].map((a) => providerOf.get(a) ?? a))),
    providers: [...topology.providers.keys()],
    faults: faultSpans(scenario, durationMs),
  });
}

interface Life {
  warden: Warden;
  clock: ClockView;
  off: Array<() => void>;
}

export async function runSimulation(config: WardenConfig, scenario: Scenario, opts: SimulationOptions): Promise<SimulationResult> {
  const durationMs = opts.durationMs ?? scenario.durationMs;
  const topology = topologyOf(config);
  checkNames(scenario, topology, config);
  const clock = new SimulatedClock({ start: SIMULATION_EPOCH });
  const model = createFaultModel({ scenario, topology, seed: opts.seed, startAt: SIMULATION_EPOCH });
  const tally = tallyFor(scenario, topology, opts, durationMs);
  const runtimeRandom = stream(opts.seed, 'runtime');
  const dirs: string[] = [];
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'warden-simulate-'));
    dirs.push(d);
    return d;
  };

  async function boot(dataDir: string | undefined): Promise<Life> {
    const view = clockView(clock);
    const warden = createWarden(instrument(config, model, view, dataDir), { clock: view, random: runtimeRandom });
    const off = [warden.on('transition', (r) => tally.onRecord(r)), model.driveExternal(warden, view)];
    await warden.start();
    return { warden, clock: view, off };
  }

  let life = await boot(scenario.killAtMs.length > 0 ? newDir() : undefined);
  try {
    for (const a of arrivals(scenario, topology, opts.seed, durationMs)) {
      clock.setTimeout(() => submit(a), Math.max(0, SIMULATION_EPOCH + a.atMs - clock.now()));
    }
    for (const killAt of scenario.killAtMs.filter((t) => t < durationMs)) {
      await clock.advance(SIMULATION_EPOCH + killAt - clock.now());
      life = await killAndRestart(life);
    }
    await clock.advance(SIMULATION_EPOCH + durationMs - clock.now());
    return tally.finish(clock.now(), model.spent);
  } finally {
    // The end is a kill too, so nothing in flight answers a warden that is going away.
    await release(life);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }

  function submit(a: Arrival) {
    const w = life.warden;
    w.submit({ agent: a.agent, type: a.type, input: { simulated: true, atMs: a.atMs } }).then(
      ({ id }) => {
        if (a.cancelAfterMs !== undefined) clock.setTimeout(() => void life.warden.cancel(id, { reason: 'simulated operator' }).catch(() => {}), a.cancelAfterMs);
      },
      () => {},
    );
  }

  /** kill -9: the process's timers and listeners end where they are; a new one restores from a copy of
   * what it left on disk (the dead one's unfinished writes land in the old directory, as after a real kill). */
  async function killAndRestart(dead: Life): Promise<Life> {
    const oldDir = dirs.at(-1);
    dead.clock.kill();
    const next = newDir();
    if (oldDir) copyFiles(oldDir, next);
    await release(dead);
    tally.processRestarted();
    return boot(next);
  }
}

/**
 * Kills a process's clock view and stops its warden, to free what it holds (the journal's file, the
 * data directory's lock) as the OS does after a real kill. Its timers never fire again and it needs
 * none (drainMs 0, scripted resources stop at once); its calls in flight never answer, not even the
 * abort; what stop() awaits is the store's real I/O.
 */
async function release(life: Life): Promise<void> {
  life.clock.kill();
  for (const f of life.off) f();
  await life.warden.stop();
}
