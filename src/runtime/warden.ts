// createWarden(): the composition root. It builds the parts of one Warden (createCore) and hands each
// the few others it needs; the work lives in them (lifecycle.ts, record-step.ts, task-commands.ts,
// task-queries.ts, agent-commands.ts, engine.ts). The Warden object over them is wardenOf(); its
// public shape is in warden-api.ts.
import { NO_USAGE } from '../../machines/budget.ts';
import { resolveConfig, type ResolvedConfig, type WardenConfig } from '../config.ts';
import { WardenError } from '../errors.ts';
import { createRecoveryRegistry, type RecoveryStrategy } from '../policy/recovery.ts';
import { createArchiveIndex } from '../store/archive-index.ts';
import { dataDirBytes } from '../store/journal.ts';
import { agentCommands } from './agent-commands.ts';
import { createAgentHooks } from './agent-hooks.ts';
import { createDynamicChildren, type DynamicChildren } from './dynamic.ts';
import { createAlertBook } from './alerts.ts';
import { resolveClock } from './clock.ts';
import type { Clock } from '../types.ts';
import { live, mustRun, type Core, type Inspect } from './core.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Decide } from './failure-decision.ts';
import { createEngine, type Engine } from './engine.ts';
import { createDecide } from './failure-decision.ts';
import { healthOf } from './health.ts';
import { startWarden, stopWarden } from './lifecycle.ts';
import { actorFrom } from './human.ts';
import { createLogger } from './logger.ts';
import type { Logger } from 'pino';
import { createProviderGates, type ProviderGates } from './providers.ts';
import { createRecordBus, type RecordBus } from './record-bus.ts';
import { createRecordStep } from './record-step.ts';
import { createReplay } from './replay.ts';
import { createRetention } from './retention.ts';
import { agentOrder, supervisorConfigs } from './supervision.ts';
import { createTaskActors, type TaskActors } from './task-actors.ts';
import { taskCommands } from './task-commands.ts';
import { taskQueries } from './task-queries.ts';
import { createTaskTable, type TaskTable } from './tasks.ts';
import { createTracing } from './tracing.ts';
import type { SupervisorView } from './views.ts';
import type { Health, ListenOptions, Serve, ServerHandle, Warden, WardenOptions, WardenState } from './warden-api.ts';

export type { Health, ListenOptions, Serve, ServerHandle, Warden, WardenOptions, WardenState, SupervisorView };

/** How the runtime reaches what lies above it; the entry (src/index.ts) fills it in. */
export interface WardenWiring {
  /** serves listen(); without it listen() refuses */
  serve?: Serve;
}

export function createWarden(input: WardenConfig, opts: WardenOptions = {}, wiring: WardenWiring = {}): Warden {
  return wardenOf(createCore(input, opts), wiring);
}

/** Every part of one Warden, each handed the few others it needs (some late-bound through `core`). */
function createCore(input: WardenConfig, opts: WardenOptions): Core {
  const custom = (input as { recoveryStrategies?: Record<string, RecoveryStrategy> } | undefined)?.recoveryStrategies ?? {};
  const strategies = createRecoveryRegistry(Object.fromEntries(Object.values(custom).map((s) => [s.name, s])));
  const config = resolveConfig(input, { strategyNames: [...strategies.keys()] });
  const clock = resolveClock(opts);
  const now = () => clock.now();
  const random = opts.random ?? Math.random;
  const logger = config.logger ?? createLogger();
  const persist = config.persist && config.durability !== 'memory';
  // Journal files in dataDir exist only with the file store; PostgreSQL keeps its own (cluster.ts).
  const files = persist && !config.store;
  // Only the error's name: a listener's message may quote task contents.
  const bus = createRecordBus(now, (r) => step(r), (err) => logger.error({ errName: err instanceof Error ? err.name : typeof err }, 'transition listener threw'));
  const tasks = createTaskTable();
  const agents = new Map<string, AgentSlot>();
  const supervisorsByName = supervisorConfigs(config.supervisor);
  const archive = createArchiveIndex();
  const replay = createReplay({ capacity: 10_000, journalDir: () => (files ? config.dataDir : undefined), flush: () => core.persistence?.flush() });
  const actors = taskActorsOf(config, clock, bus, () => engine);
  const gates = createProviderGates({
    config,
    clock,
    inspect: config.inspect as Inspect | undefined,
    publish: (fact) => bus.publish(fact),
    wake: (names) => names.forEach((n) => engine.pump(n)),
  });
  const decide = createDecide({ config, agents, strategies, random, logger });
  const engine = engineOf({ config, tasks, agents, clock, logger, decide, gates }, () => core, () => dynamic);
  const hooks = createAgentHooks({ agents, engine, clock, random, logger });
  const dynamic = createDynamicChildren({
    config,
    agents,
    tree: () => core.supervisor,
    supervisors: supervisorsByName,
    hooks,
    tasks,
    live: (entry) => live(core, entry),
    publish: (fact) => bus.publish(fact),
    now,
  });
  const alerts = createAlertBook({ max: config.maxAlerts, now, notify: config.notify, logger });
  alerts.onAlert((a) => core.persistence?.alert(a));
  const core: Core = {
    config,
    clock,
    logger,
    inspect: config.inspect as Inspect | undefined,
    persist,
    files,
    strategies,
    bus,
    tasks,
    agents,
    order: () => core.supervisor?.order() ?? agentOrder(config.supervisor),
    supervisorsByName,
    dynamic,
    alerts,
    archive,
    replay,
    actors,
    engine,
    decide,
    hooks,
    tracing: createTracing((id) => tasks.get(id)?.context),
    retention: createRetention({ config, tasks, archive, dataDir: files ? config.dataDir : undefined, clock, catalog: () => core.catalog }),
    gates,
    used: { ...NO_USAGE },
    state: 'idle',
    startedAt: 0,
  };
  const step = createRecordStep(core);
  return core;
}

/** The task actors; a deadline the machine reached fails the attempt through the engine. */
function taskActorsOf(config: ResolvedConfig, clock: Clock, bus: RecordBus, engine: () => Engine): TaskActors {
  return createTaskActors({
    clock,
    inspect: config.inspect as Inspect | undefined,
    publish: (fact) => bus.publish(fact),
    onDeadline: (id, attempt) => {
      const limit = engine().attempt(id)?.timeoutMs;
      const message = limit === undefined ? 'no heartbeat within heartbeatTimeoutMs' : `attempt timed out after ${limit} ms`;
      void engine().fail(id, attempt, undefined, { kind: 'timeout', message });
    },
  });
}

interface EngineParts {
  config: ResolvedConfig;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  clock: Clock;
  logger: Logger;
  decide: Decide;
  gates: ProviderGates;
}

/** The engine, reaching the journal and the cluster (both made by start()) through the core. */
function engineOf(p: EngineParts, core: () => Core, dynamic: () => DynamicChildren): Engine {
  return createEngine({
    ...p,
    live: (entry) => live(core(), entry),
    onCheckpoint: (id, attempt, data) => core().persistence?.checkpoint(id, attempt, data),
    onAgentChange: (name) => {
      core().persistence?.agent(name);
      core().cluster?.agentFailure(name);
    },
    mayProbe: (name) => core().cluster?.mayProbe(name) ?? true,
    holds: (id) => core().cluster?.holds(id) ?? true,
    durable: () => core().persistence?.durable(),
    orphan: (entry) => dynamic().orphan(entry),
  });
}

/** The Warden object over one core: lifecycle, commands, queries, health, listen(). */
function wardenOf(core: Core, wiring: WardenWiring): Warden {
  const { config, gates, tasks, engine, bus, replay, alerts, files, logger } = core;
  const now = () => core.clock.now();
  const servers = new Set<ServerHandle>();
  let stopping: Promise<void> | undefined;

  const warden: Warden = {
    get state() {
      return core.state;
    },
    start: () => startWarden(core),
    stop() {
      // Servers first, whatever the state: listen() may have run before a start() that failed.
      stopping ??= Promise.all([...servers].map((s) => s.close())).then(() => stopWarden(core));
      return stopping;
    },
    ...taskCommands(core),
    ...taskQueries(core),
    ...agentCommands(core),

    health() {
      return healthOf({
        state: core.state,
        uptimeMs: core.state === 'idle' ? 0 : now() - core.startedAt,
        agents: warden.agents(),
        breakers: warden.breakers(),
        supervisors: warden.supervisors(),
        providers: gates.views(),
        usage: { ...core.used },
        tasks: { total: tasks.size, inFlight: engine.inFlight(), byStatus: tasks.countByStatus() },
        storeUp: core.cluster?.up,
        ...(files && core.state !== 'idle' ? { storage: { dataDir: config.dataDir, usedBytes: dataDirBytes(config.dataDir) } } : {}),
      });
    },
    providers: () => gates.views(),
    openGate(provider, o) {
      mustRun(core);
      return gates.open(provider, actorFrom(o));
    },
    alerts: (q = {}) => alerts.list(q.limit),
    replay: (afterSeq) => replay.since(afterSeq),

    async listen(o = {}) {
      if (!wiring.serve) throw new WardenError('invalid_config', 'listen() needs the HTTP control plane: create the warden through the package entry');
      const handle = await wiring.serve(warden, {
        port: o.port,
        hostname: o.hostname,
        // Named tokens alone guard the API; a single token (given, configured or from the env) joins them as an admin.
        token: o.token ?? (o.tokens ? undefined : (config.token ?? process.env.WARDEN_TOKEN)),
        tokens: o.tokens,
        lastSeq: () => bus.seq,
        dataDir: files ? config.dataDir : undefined,
        replay: (seq) => replay.since(seq),
        now,
        logger,
      });
      servers.add(handle);
      return handle;
    },

    on(event, listener) {
      if (event !== 'transition') throw new WardenError('invalid_input', `unknown event ${String(event)}`);
      return bus.subscribe(listener);
    },
  };
  return warden;
}
