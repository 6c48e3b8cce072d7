// createWarden(): wires config, machines, engine, agent hooks, alerts and the store into the public API
// (its shape is in warden-api.ts).
import { randomUUID } from 'node:crypto';
import type { InspectionEvent, Observer } from 'xstate';
import type { AgentEvent } from '../../machines/agent.ts';
import type { TaskContext, TaskEvent } from '../../machines/task.ts';
import { resolveConfig, type ResolvedSupervisorConfig, type WardenConfig } from '../config.ts';
import { WardenError } from '../errors.ts';
import { createRecoveryRegistry, type RecoveryStrategy } from '../policy/recovery.ts';
import { emptyState, type PersistedState } from '../store/state.ts';
import { TERMINAL_STATUSES, type AgentView, type TaskStatus, type TaskView, type TransitionRecord } from '../types.ts';
import { createArchiveIndex } from '../store/archive-index.ts';
import { dataDirBytes } from '../store/journal.ts';
import { createAgentHooks } from './agent-hooks.ts';
import { abortAttempt } from './attempt.ts';
import { createAlertBook } from './alerts.ts';
import { createCluster, type Cluster } from './cluster.ts';
import { createEngine, type AgentSlot } from './engine.ts';
import { actorFrom } from './human.ts';
import { resolveClock, sleep } from './clock.ts';
import { healthOf } from './health.ts';
import { createLogger } from './logger.ts';
import type { Persistence } from './persistence.ts';
import { openPersistence, resumeTasks } from './restore.ts';
import { createRecordBus } from './record-bus.ts';
import { createReplay } from './replay.ts';
import { createRetention } from './retention.ts';
import { parseSubmit } from './submit.ts';
import { agentOrder, createSupervisorActor } from './supervision.ts';
import { createTaskActors } from './task-actors.ts';
import { createTaskTable, taskView, type TaskEntry } from './tasks.ts';
import { createTracing, currentTraceparent } from './tracing.ts';
import { agentView, breakerView, supervisorView, type SupervisorView } from './views.ts';
import type { Health, ListenOptions, Serve, ServerHandle, Warden, WardenOptions, WardenState } from './warden-api.ts';

export type { Health, ListenOptions, Serve, ServerHandle, Warden, WardenOptions, WardenState, SupervisorView };

/** How the runtime reaches what lies above it; the entry (src/index.ts) fills it in. */
export interface WardenWiring {
  /** serves listen(); without it listen() refuses */
  serve?: Serve;
}

type Inspect = Observer<InspectionEvent> | ((ev: InspectionEvent) => void);

export function createWarden(input: WardenConfig, opts: WardenOptions = {}, wiring: WardenWiring = {}): Warden {
  const custom = (input as { recoveryStrategies?: Record<string, RecoveryStrategy> } | undefined)?.recoveryStrategies ?? {};
  const strategies = createRecoveryRegistry(Object.fromEntries(Object.values(custom).map((s) => [s.name, s])));
  const config = resolveConfig(input, { strategyNames: [...strategies.keys()] });
  const clock = resolveClock(opts);
  const now = () => clock.now();
  const random = opts.random ?? Math.random;
  const logger = config.logger ?? createLogger();
  const inspect = config.inspect as Inspect | undefined;
  const persist = config.persist && config.durability !== 'memory';
  // Journal files in dataDir exist only with the file store; PostgreSQL keeps its own (cluster.ts).
  const files = persist && !config.store;
  let cluster: Cluster | undefined;
  // Only the error's name: a listener's message may quote task contents.
  const bus = createRecordBus(now, (r) => onRecord(r), (err) => logger.error({ errName: err instanceof Error ? err.name : typeof err }, 'transition listener threw'));
  const tasks = createTaskTable();
  const alerts = createAlertBook({ max: config.maxAlerts, now, notify: config.notify, logger });
  const order = agentOrder(config.supervisor);
  const agents = new Map<string, AgentSlot>();
  let persistence: Persistence | undefined;
  let supervisor: ReturnType<typeof createSupervisorActor> | undefined;
  let state: WardenState = 'idle';
  let startedAt = 0;
  let stopping: Promise<void> | undefined;
  const archive = createArchiveIndex();
  const servers = new Set<ServerHandle>();
  const replay = createReplay({
    capacity: 10_000,
    journalDir: () => (files ? config.dataDir : undefined),
    flush: () => persistence?.flush(),
  });

  const actors = createTaskActors({
    clock,
    inspect,
    publish: (fact) => bus.publish(fact),
    onDeadline: (id, attempt) => {
      const limit = engine.attempt(id)?.timeoutMs;
      const message = limit === undefined ? 'no heartbeat within heartbeatTimeoutMs' : `attempt timed out after ${limit} ms`;
      void engine.fail(id, attempt, undefined, { kind: 'timeout', message });
    },
  });

  /** A task that rests without an actor (restored, or terminal) gets one when something must happen to it. */
  function live(entry: TaskEntry) {
    if (!entry.actor && !TERMINAL_STATUSES.includes(entry.context.status)) entry.actor = actors.revive(entry.context);
    return entry.actor;
  }

  const engine = createEngine({
    config,
    tasks,
    agents,
    strategies,
    clock,
    random,
    logger,
    live,
    onCheckpoint: (id, attempt, data) => persistence?.checkpoint(id, attempt, data),
    onAgentChange: (name) => (persistence?.agent(name), cluster?.agentFailure(name)),
    durable: () => persistence?.durable(),
    mayProbe: (name) => cluster?.mayProbe(name) ?? true,
  });
  const hooks = createAgentHooks({ agents, engine, clock, random, logger });

  const tracing = createTracing((id) => tasks.get(id)?.context);
  alerts.onAlert((a) => persistence?.alert(a));

  /**
   * The runtime's step for each record, before any listener sees it, in this order: the task table
   * (so every later step sees the new state), dispatch, the journal, the replay ring, alerts, agent hooks,
   * tracing.
   */
  function onRecord(r: TransitionRecord) {
    if (r.kind === 'task') onTaskRecord(r);
    else if (r.kind === 'agent') cluster?.onAgentRecord(r);
    persistence?.record(r);
    replay.remember(r);
    alerts.fromRecord(r);
    hooks.onRecord(r);
    tracing.onRecord(r);
  }

  function onTaskRecord(r: TransitionRecord) {
    const entry = tasks.get(r.id);
    const context = entry?.actor?.getSnapshot().context;
    if (!entry || !context) return;
    tasks.apply(r, context);
    engine.onTaskRecord(r, entry);
    cluster?.onRecord(r);
    dispatch(r, entry);
    if (TERMINAL_STATUSES.includes(r.to as TaskStatus)) {
      settle(entry);
      retention.settled(entry);
    }
  }

  /** The explicit dispatch step: a task that became ASSIGNED joins its agent's queue. */
  function dispatch(r: TransitionRecord, entry: TaskEntry) {
    if (r.to === 'ASSIGNED' && (!cluster || cluster.keeps(entry, r))) engine.enqueue(entry);
  }

  function settle(entry: TaskEntry) {
    entry.actor = undefined;
    const waiters = entry.waiters ?? [];
    entry.waiters = undefined;
    for (const w of waiters) {
      if (entry.context.status === 'SUCCEEDED') w.resolve(entry.context.output);
      else w.reject(new WardenError('cancelled', `task ${entry.id} was cancelled`, { id: entry.id }));
    }
  }

  async function restore(): Promise<PersistedState> {
    if (!persist) return emptyState();
    const opened = await openPersistence({
      config,
      tasks,
      agents,
      alerts,
      archive,
      bus,
      supervisor: (name) => supervisor?.contextOf(name),
      clock,
      logger,
      cluster: { holds: (id) => cluster?.holds(id) ?? false, fenced: (ids) => cluster?.fenced(ids) },
    });
    persistence = opened.persistence;
    const store = opened.postgres;
    if (store) {
      cluster = createCluster({ config, store, tasks, agents, engine, live, clock, logger, settled: (e) => (settle(e), retention.settled(e)) });
    }
    return opened.restored;
  }

  /** Lets attempts in flight finish, for drainMs at most; what is still running then is aborted below
   *  (and, with a data dir, fails as a crash on the next start). */
  async function drain() {
    if (config.drainMs <= 0) return;
    const expired = sleep(clock, config.drainMs);
    await Promise.race([engine.idle(), expired.done]);
    expired.cancel();
  }

  const retention = createRetention({ config, tasks, archive, dataDir: files ? config.dataDir : undefined, clock });

  /** A finished task that left memory, read back from the journal (undefined when it never was, or is past retention). */
  function fromDisk(id: unknown): TaskEntry | undefined {
    if (!files || typeof id !== 'string' || !archive.has(id)) return undefined;
    const t = replay.taskOf(id);
    if (!t || !TERMINAL_STATUSES.includes(t.ctx.status)) return undefined;
    return { id, order: -1, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: t.history };
  }

  function outcome(entry: TaskEntry): Promise<unknown> {
    const id = entry.id;
    if (entry.context.status === 'SUCCEEDED') return Promise.resolve(entry.context.output);
    if (entry.context.status === 'CANCELLED') return Promise.reject(new WardenError('cancelled', `task ${id} was cancelled`, { id }));
    return new Promise((resolve, reject) => (entry.waiters ??= []).push({ resolve, reject }));
  }

  function mustGet(id: string): TaskEntry {
    const entry = typeof id === 'string' ? tasks.get(id) : undefined;
    if (!entry) throw new WardenError('not_found', `no task with id ${String(id)}`, { id });
    return entry;
  }

  function mustRun() {
    if (state !== 'running') throw new WardenError('not_running', `warden is ${state}; call start() first`);
  }

  function refuse(id: string, what: string, status: TaskStatus): WardenError {
    return new WardenError('invalid_transition', `cannot ${what} task ${id} in state ${status}`, { id, status });
  }

  /** Sends an operator's event once it is durable, or rejects with invalid_transition when the state does not take it. */
  async function command(id: string, event: TaskEvent, what: string): Promise<TaskView> {
    mustRun();
    // Across processes the task's row is taken first; a cancel takes it even from a live process.
    const taken = cluster ? await cluster.take(id, event.type === 'CANCEL') : true;
    const entry = mustGet(id);
    const actor = taken ? live(entry) : undefined;
    if (!actor?.getSnapshot().can(event)) {
      cluster?.untake(id);
      throw refuse(id, what, entry.context.status);
    }
    actor.send(event);
    await persistence?.durable();
    return taskView(entry);
  }

  function inProgress(id: string, what: string): TaskEntry {
    mustRun();
    const entry = mustGet(id);
    if (entry.context.status !== 'IN_PROGRESS' || !engine.attempt(id)) throw refuse(id, what, entry.context.status);
    return entry;
  }

  function mustAgent(name: string): AgentSlot {
    const slot = typeof name === 'string' ? agents.get(name) : undefined;
    if (!slot) throw new WardenError('not_found', `no agent named ${String(name)}`, { agent: name });
    return slot;
  }

  function agentCommand(name: string, what: string, event: (at: number) => AgentEvent): AgentView {
    mustRun();
    const slot = mustAgent(name);
    const e = event(now());
    const snapshot = slot.ref.getSnapshot();
    if (!snapshot.can(e)) {
      const lifecycle = snapshot.context.lifecycle;
      throw new WardenError('invalid_transition', `cannot ${what} agent ${name} while it is ${lifecycle}`, { agent: name, lifecycle });
    }
    slot.ref.send(e);
    return agentView(name, slot);
  }

  function supervisorTree(s: ResolvedSupervisorConfig): SupervisorView | undefined {
    const c = supervisor?.contextOf(s.name);
    if (!c) return undefined;
    const children = s.children.map((ch) => (typeof ch === 'string' ? ch : (supervisorTree(ch) ?? ch.name)));
    return supervisorView(c, children);
  }

  function supervisorViews(): SupervisorView[] {
    const root = supervisorTree(config.supervisor);
    return root ? [root] : [];
  }

  const warden: Warden = {
    get state() {
      return state;
    },

    async start() {
      if (state !== 'idle') return;
      state = 'restoring';
      startedAt = now();
      try {
        const restored = await restore();
        const created = createSupervisorActor({
          config,
          clock,
          inspect,
          publish: (fact) => bus.publish(fact),
          restored: persist ? { agents: restored.agents, supervisors: restored.supervisors } : undefined,
        });
        supervisor = created;
        for (const [name, slot] of created.slots) agents.set(name, slot);
        // Restored timers are not armed: RESUME arms an OPEN circuit's remaining time (a no-op elsewhere).
        if (persist) for (const slot of agents.values()) slot.ref.send({ type: 'RESUME' });
        // Children start in order: each start() settles before the next begins.
        for (const name of order) {
          if (agents.get(name)?.ref.getSnapshot().context.lifecycle === 'STARTING') await hooks.start(name);
        }
        state = 'running';
        if (cluster) await cluster.start();
        else resumeTasks(tasks, agents, engine, live);
        engine.setDispatching(true);
        retention.start();
      } catch (err) {
        state = 'idle';
        throw err;
      }
    },

    stop() {
      stopping ??= (async () => {
        // Servers first, whatever the state: listen() may have run before a start() that failed.
        await Promise.all([...servers].map((s) => s.close()));
        if (state === 'idle' || state === 'stopped') {
          state = 'stopped';
          return;
        }
        state = 'stopping';
        engine.setDispatching(false);
        retention.stop();
        await drain();
        for (const entry of tasks.all()) entry.actor?.stop();
        for (const slot of agents.values()) {
          for (const id of slot.running) {
            const attempt = engine.attempt(id);
            if (attempt) abortAttempt(attempt, new DOMException('warden stopping', 'AbortError'));
          }
        }
        supervisor?.actor.stop();
        tracing.close();
        await hooks.stopAll(order);
        try {
          await persistence?.durable();
        } catch {
          // what could not be written stays for the next start's recovery
        }
        await cluster?.stop();
        try {
          await persistence?.close();
        } catch (err) {
          logger.error({ err }, 'final snapshot failed');
        }
        state = 'stopped';
      })();
      return stopping;
    },

    async submit(req) {
      mustRun();
      const r = parseSubmit(req, config);
      const existing = r.idempotencyKey ? tasks.byKey(r.idempotencyKey) : undefined;
      if (existing) {
        await persistence?.durable();
        return { id: existing.id, created: false };
      }
      const id = randomUUID();
      // Unique across the cluster: the key is reserved in PostgreSQL before the task exists.
      const owner = r.idempotencyKey && cluster ? await cluster.reserveKey(r.idempotencyKey, id) : id;
      if (owner !== id) return { id: owner, created: false };
      const at = now();
      const actor = actors.create({ id, type: r.type, agent: r.agent, input: r.input, maxRetries: r.maxRetries, autoAssign: true, traceparent: currentTraceparent() });
      const context: TaskContext = { ...actor.getSnapshot().context };
      const entry = tasks.add({ id, createdAt: at, updatedAt: at, idempotencyKey: r.idempotencyKey, actor, context, history: [] });
      actor.start(); // PENDING, then ASSIGNED in the same step
      // Queued rather than started: rest now, so the actor dies young (cheap for the GC) instead of next turn.
      engine.rest(entry);
      await persistence?.durable();
      return { id, created: true };
    },

    result(id) {
      const entry = tasks.get(id) ?? fromDisk(id);
      if (entry) return outcome(entry);
      const missing = () => Promise.reject(new WardenError('not_found', `no task with id ${String(id)}`, { id }));
      // Submitted through another process a moment ago, or finished and out of memory: read its row.
      if (cluster) return cluster.lookup(id).then((e) => (e ? outcome(e) : missing()));
      return missing();
    },

    get(id) {
      const entry = tasks.get(id) ?? fromDisk(id);
      return entry ? taskView(entry) : undefined;
    },

    list(q = {}) {
      const { items, nextCursor } = tasks.list(q);
      return { items: items.map(taskView), nextCursor };
    },

    history(id) {
      const entry = typeof id === 'string' ? tasks.get(id) : undefined;
      if (entry) return [...entry.history];
      // A finished task that left memory and the snapshot; its records are still in the journal.
      const records = persist && typeof id === 'string' && archive.has(id) ? replay.ofTask(id) : [];
      if (records.length > 0) return records;
      throw new WardenError('not_found', `no task with id ${String(id)}`, { id });
    },

    cancel: async (id, o) => command(id, { type: 'CANCEL', ...actorFrom(o) }, 'cancel'),
    retry: async (id, o) => command(id, { type: 'RETRY', ...actorFrom(o) }, 'retry'),
    resolve: async (id, output, o) => command(id, { type: 'RESOLVE', output, ...actorFrom(o) }, 'resolve'),

    async reportFailure(id, error) {
      const entry = inProgress(id, 'report a failure of');
      const attempt = engine.attempt(id);
      if (attempt) await engine.fail(id, attempt.number, error);
      await persistence?.durable();
      return taskView(entry);
    },

    async reportSuccess(id, output) {
      const entry = inProgress(id, 'report the success of');
      const attempt = engine.attempt(id);
      if (attempt) engine.complete(id, attempt.number, output);
      await persistence?.durable();
      return taskView(entry);
    },

    async heartbeat(id) {
      const entry = inProgress(id, 'heartbeat');
      const cfg = agents.get(entry.context.agent)?.cfg;
      // Heartbeats keep an external executor's attempt alive; an in-process attempt keeps its own timeout.
      if (cfg && !cfg.run) {
        const at = now();
        const limit = cfg.heartbeatTimeoutMs;
        const deadlineAt = limit === undefined ? undefined : at + limit;
        entry.actor?.send({ type: 'HEARTBEAT', at, deadlineAt });
        // Not a state change, but a restart must not time the attempt out from before this heartbeat.
        persistence?.heartbeat(id, at, deadlineAt);
        await persistence?.durable();
      }
      return taskView(entry);
    },

    health() {
      return healthOf({
        state,
        uptimeMs: state === 'idle' ? 0 : now() - startedAt,
        agents: warden.agents(),
        breakers: warden.breakers(),
        supervisors: supervisorViews(),
        tasks: { total: tasks.size, inFlight: engine.inFlight(), byStatus: tasks.countByStatus() },
        storeUp: cluster?.up,
        ...(files && state !== 'idle' ? { storage: { dataDir: config.dataDir, usedBytes: dataDirBytes(config.dataDir) } } : {}),
      });
    },

    breakers() {
      const at = now();
      return [...agents].map(([name, slot]) => breakerView(name, slot, at));
    },

    resetBreaker(name, o) {
      const who = actorFrom(o);
      const slot = mustAgent(name);
      slot.ref.send({ type: 'RESET', at: now(), ...who });
      engine.pump(name);
      return breakerView(name, slot, now());
    },

    agents() {
      return [...agents].map(([name, slot]) => agentView(name, slot));
    },

    agent(name) {
      return agentView(name, mustAgent(name));
    },

    restartAgent: (name, o) => agentCommand(name, 'restart', (at) => ({ type: 'RESTART', at, restartAt: at, ...actorFrom(o) })),
    stopAgent: (name, o) => agentCommand(name, 'stop', (at) => ({ type: 'STOP', at, ...actorFrom(o) })),
    startAgent: (name, o) => agentCommand(name, 'start', (at) => ({ type: 'START', at, ...actorFrom(o) })),
    supervisors: supervisorViews,

    alerts(q = {}) {
      return alerts.list(q.limit);
    },

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
