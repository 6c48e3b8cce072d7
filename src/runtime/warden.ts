// createWarden(): wires config, machines, engine, agent hooks and alerts into the public API.
import { randomUUID } from 'node:crypto';
import { createActor, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { agentMachine, type AgentContext, type AgentEvent } from '../../machines/agent.ts';
import type { SnapshotFrom } from 'xstate';
import { supervisorMachine, type SupervisorContext } from '../../machines/supervisor.ts';
import { taskMachine, type TaskContext } from '../../machines/task.ts';
import { resolveConfig, type ResolvedSupervisorConfig, type WardenConfig } from '../config.ts';
import { WardenError } from '../errors.ts';
import { createRecoveryRegistry, type RecoveryStrategy } from '../policy/recovery.ts';
import {
  TERMINAL_STATUSES,
  type AgentView,
  type Alert,
  type BreakerView,
  type TaskStatus,
  type TaskView,
  type TransitionRecord,
} from '../types.ts';
import { createAgentHooks } from './agent-hooks.ts';
import { createAlertBook } from './alerts.ts';
import { createEngine, type AgentSlot } from './engine.ts';
import { createLogger } from './logger.ts';
import { createQueue } from './queue.ts';
import { createRecordBus } from './record-bus.ts';
import { createTaskTable, taskView, type ListQuery, type TaskEntry } from './tasks.ts';
import { parseSubmit, type SubmitRequest } from './submit.ts';

/** setTimeout fires at once for delays past 2^31-1 ms; never hand it more. */
const MAX_TIMER_MS = 2_147_483_647;

type AgentSnapshot = SnapshotFrom<typeof agentMachine>;

export type WardenState = 'idle' | 'restoring' | 'running' | 'stopping' | 'stopped';

export interface Health {
  status: 'ok' | 'degraded' | 'failing';
  state: WardenState;
  ready: boolean;
  uptimeMs: number;
  agents: AgentView[];
  breakers: BreakerView[];
  supervisors: SupervisorView[];
  tasks: { total: number; inFlight: number; byStatus: Record<TaskStatus, number> };
}

export interface SupervisorView {
  name: string;
  strategy: string;
  status: string;
  restarts: number;
  children: Array<string | SupervisorView>;
}

export interface Warden {
  start(): Promise<void>;
  stop(): Promise<void>;
  submit(req: SubmitRequest): Promise<{ id: string; created: boolean }>;
  result(id: string): Promise<unknown>;
  get(id: string): TaskView | undefined;
  list(q?: ListQuery): { items: TaskView[]; nextCursor: string | null };
  history(id: string): TransitionRecord[];
  cancel(id: string): Promise<TaskView>;
  retry(id: string): Promise<TaskView>;
  resolve(id: string, output: unknown): Promise<TaskView>;
  reportFailure(id: string, error: unknown): Promise<TaskView>;
  reportSuccess(id: string, output: unknown): Promise<TaskView>;
  heartbeat(id: string): Promise<TaskView>;
  health(): Health;
  breakers(): BreakerView[];
  resetBreaker(agent: string): BreakerView;
  agents(): AgentView[];
  agent(name: string): AgentView;
  /** stop and start the agent's resource again; does not count toward restart intensity */
  restartAgent(name: string): AgentView;
  stopAgent(name: string): AgentView;
  startAgent(name: string): AgentView;
  supervisors(): SupervisorView[];
  alerts(q?: { limit?: number }): Alert[];
  on(event: 'transition', listener: (record: TransitionRecord) => void): () => void;
  readonly state: WardenState;
}

export interface WardenOptions {
  /** the clock; tests may pass a fake one. @defaultValue Date.now */
  now?: () => number;
  /** the random draw for jitter. @defaultValue Math.random */
  random?: () => number;
}

export function createWarden(input: WardenConfig, opts: WardenOptions = {}): Warden {
  const custom = (input as { recoveryStrategies?: Record<string, RecoveryStrategy> } | undefined)?.recoveryStrategies ?? {};
  const strategies = createRecoveryRegistry(
    Object.fromEntries(Object.values(custom).map((s) => [s.name, s])),
  );
  const config = resolveConfig(input, { strategyNames: [...strategies.keys()] });
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const logger = config.logger ?? createLogger();
  const inspect = config.inspect as Observer<InspectionEvent> | ((ev: InspectionEvent) => void) | undefined;
  const bus = createRecordBus(now, (err) => logger.error({ errName: err instanceof Error ? err.name : typeof err }, 'transition listener threw'));
  const tasks = createTaskTable();
  const alerts = createAlertBook({ max: config.maxAlerts, now, notify: config.notify, logger });
  const agentOrder = flattenAgents(config.supervisor);
  const agents = new Map<string, AgentSlot>();
  const engine = createEngine({
    config,
    tasks,
    agents,
    strategies,
    now,
    random,
    logger,
    note: () => {},
  });
  const hooks = createAgentHooks({ agents, engine, now, random, logger });
  const provided = taskMachine.provide({
    delays: {
      retryDelay: ({ context }) => remaining(context.retryAt, now),
      attemptDeadline: ({ context }) => remaining(context.deadlineAt, now),
    },
  });
  let supervisor: ReturnType<typeof createSupervisor> | undefined;
  let state: WardenState = 'idle';
  let startedAt = 0;
  let stopping: Promise<void> | undefined;

  bus.subscribe((r) => {
    if (r.kind === 'task') onTaskRecord(r);
  });
  bus.subscribe((r) => alerts.fromRecord(r));
  bus.subscribe((r) => hooks.onRecord(r));

  function onTaskRecord(r: TransitionRecord) {
    const entry = tasks.get(r.id);
    const context = entry?.actor?.getSnapshot().context as TaskContext | undefined;
    if (!entry || !context) return;
    tasks.apply(r, context);
    engine.onTaskRecord(r, entry);
    if (r.to === 'ASSIGNED') engine.enqueue(entry);
    if (TERMINAL_STATUSES.includes(r.to as TaskStatus)) settle(entry);
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

  function createSupervisor() {
    const agentDelays = {
      openDelay: ({ context }: { context: AgentContext }) => remaining(context.openUntil, now),
      restartDelay: ({ context }: { context: AgentContext }) => remaining(context.restartAt, now),
    };
    const machine = supervisorMachine.provide({
      actors: { agent: agentMachine.provide({ delays: agentDelays }) },
    });
    const root = config.supervisor;
    const actor = createActor(machine, {
      inspect,
      input: {
        name: root.name,
        strategy: root.strategy,
        maxRestarts: root.maxRestarts,
        withinMs: root.withinMs,
        backoff: root.backoff,
        resetBackoffAfterMs: root.resetBackoffAfterMs,
        children: agentOrder.map((name) => {
          const a = config.agents[name];
          if (!a) throw new WardenError('invalid_config', `supervisor child ${name} is not an agent`);
          return { name, breaker: a.breaker, concurrency: a.concurrency };
        }),
      },
    });
    actor.on('transition', (e) => bus.publish(e.fact));
    actor.start();
    for (const name of agentOrder) {
      const cfg = config.agents[name];
      const ref = actor.getSnapshot().children[name] as AnyActorRef | undefined;
      if (!cfg || !ref) continue;
      ref.on('transition', (e: { fact: Parameters<typeof bus.publish>[0] }) => bus.publish(e.fact));
      agents.set(name, { cfg, ref, queue: createQueue<string>(), running: new Set() });
    }
    return actor;
  }

  function mustGet(id: string): TaskEntry {
    const entry = typeof id === 'string' ? tasks.get(id) : undefined;
    if (!entry) throw new WardenError('not_found', `no task with id ${String(id)}`, { id });
    return entry;
  }

  function mustRun() {
    if (state !== 'running') throw new WardenError('not_running', `warden is ${state}; call start() first`);
  }

  /** Sends an operator's event, or rejects with invalid_transition when the task's state does not take it. */
  function command(id: string, event: Parameters<NonNullable<TaskEntry['actor']>['send']>[0], what: string): TaskView {
    mustRun();
    const entry = mustGet(id);
    const snapshot = entry.actor?.getSnapshot();
    if (!entry.actor || !snapshot?.can(event)) {
      throw new WardenError('invalid_transition', `cannot ${what} task ${id} in state ${entry.context.status}`, {
        id,
        status: entry.context.status,
      });
    }
    entry.actor.send(event);
    return taskView(entry);
  }

  function inProgress(id: string, what: string): TaskEntry {
    mustRun();
    const entry = mustGet(id);
    if (entry.context.status !== 'IN_PROGRESS' || !engine.attempt(id)) {
      throw new WardenError('invalid_transition', `cannot ${what} task ${id} in state ${entry.context.status}`, {
        id,
        status: entry.context.status,
      });
    }
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
    const snapshot = slot.ref.getSnapshot() as AgentSnapshot;
    if (!snapshot.can(e)) {
      const lifecycle = (snapshot.context as AgentContext).lifecycle;
      throw new WardenError('invalid_transition', `cannot ${what} agent ${name} while it is ${lifecycle}`, { agent: name, lifecycle });
    }
    slot.ref.send(e);
    return agentView(name, slot);
  }

  function breakerView(name: string, slot: AgentSlot): BreakerView {
    const c = slot.ref.getSnapshot().context as AgentContext;
    const view: BreakerView = { agent: name, state: c.circuit, failures: countRecent(c, now()) };
    if (c.circuit !== 'CLOSED' && c.openedAt !== undefined) view.openedAt = iso(c.openedAt);
    if (c.circuit !== 'CLOSED' && c.openUntil !== undefined) view.halfOpenAt = iso(c.halfOpenAt ?? c.openUntil);
    return view;
  }

  function agentView(name: string, slot: AgentSlot): AgentView {
    const c = slot.ref.getSnapshot().context as AgentContext;
    const view: AgentView = {
      name,
      role: slot.cfg.role,
      lifecycle: c.lifecycle,
      circuit: c.circuit,
      restarts: c.restarts,
      inFlight: slot.running.size,
      queued: slot.queue.size,
      concurrency: slot.cfg.concurrency,
      external: !slot.cfg.run,
    };
    if (c.lastExit) view.lastExit = { at: iso(c.lastExit.at), reason: c.lastExit.reason };
    return view;
  }

  function supervisorViews(): SupervisorView[] {
    if (!supervisor) return [];
    const c = supervisor.getSnapshot().context as SupervisorContext;
    return [{ name: c.name, strategy: c.strategy, status: c.status, restarts: c.restartTimes.length, children: agentOrder }];
  }

  const warden: Warden = {
    get state() {
      return state;
    },

    async start() {
      if (state !== 'idle') return;
      state = 'restoring';
      startedAt = now();
      supervisor = createSupervisor();
      // Children start in order: each start() settles before the next begins.
      for (const name of agentOrder) await hooks.start(name);
      state = 'running';
      engine.setDispatching(true);
    },

    stop() {
      stopping ??= (async () => {
        if (state === 'idle') {
          state = 'stopped';
          return;
        }
        state = 'stopping';
        engine.setDispatching(false);
        for (const entry of tasks.all()) entry.actor?.stop();
        for (const slot of agents.values()) {
          for (const id of slot.running) engine.attempt(id)?.controller.abort(new DOMException('warden stopping', 'AbortError'));
        }
        supervisor?.stop();
        await hooks.stopAll(agentOrder);
        state = 'stopped';
      })();
      return stopping;
    },

    async submit(req) {
      mustRun();
      const r = parseSubmit(req, config);
      const existing = r.idempotencyKey ? tasks.byKey(r.idempotencyKey) : undefined;
      if (existing) return { id: existing.id, created: false };
      const id = randomUUID();
      const at = now();
      const actor = createActor(provided, {
        inspect,
        input: { id, type: r.type, agent: r.agent, input: r.input, maxRetries: r.maxRetries },
      });
      const initial = { id, type: r.type, agent: r.agent, input: r.input, maxRetries: r.maxRetries, status: 'PENDING' as const, attempts: 0, failureCounts: {} };
      tasks.add({ id, createdAt: at, updatedAt: at, idempotencyKey: r.idempotencyKey, actor, context: initial, history: [] });
      actor.on('transition', (e) => bus.publish(e.fact));
      actor.on('deadline', (e) => {
        const limit = engine.attempt(id)?.timeoutMs;
        const message = limit === undefined ? `no heartbeat within the agent's heartbeatTimeoutMs` : `attempt timed out after ${limit} ms`;
        void engine.fail(id, e.attempt, undefined, { kind: 'timeout', message });
      });
      actor.start();
      actor.send({ type: 'ASSIGN' });
      return { id, created: true };
    },

    result(id) {
      const entry = tasks.get(id);
      if (!entry) return Promise.reject(new WardenError('not_found', `no task with id ${String(id)}`, { id }));
      if (entry.context.status === 'SUCCEEDED') return Promise.resolve(entry.context.output);
      if (entry.context.status === 'CANCELLED') {
        return Promise.reject(new WardenError('cancelled', `task ${id} was cancelled`, { id }));
      }
      return new Promise((resolve, reject) => (entry.waiters ??= []).push({ resolve, reject }));
    },

    get(id) {
      const entry = tasks.get(id);
      return entry ? taskView(entry) : undefined;
    },

    list(q = {}) {
      const { items, nextCursor } = tasks.list(q);
      return { items: items.map(taskView), nextCursor };
    },

    history(id) {
      return [...mustGet(id).history];
    },

    async cancel(id) {
      return command(id, { type: 'CANCEL' }, 'cancel');
    },

    async retry(id) {
      return command(id, { type: 'RETRY' }, 'retry');
    },

    async resolve(id, output) {
      return command(id, { type: 'RESOLVE', output }, 'resolve');
    },

    async reportFailure(id, error) {
      const entry = inProgress(id, 'report a failure of');
      const attempt = engine.attempt(id);
      if (attempt) await engine.fail(id, attempt.number, error);
      return taskView(entry);
    },

    async reportSuccess(id, output) {
      const entry = inProgress(id, 'report the success of');
      const attempt = engine.attempt(id);
      if (attempt) engine.complete(id, attempt.number, output);
      return taskView(entry);
    },

    async heartbeat(id) {
      const entry = inProgress(id, 'heartbeat');
      const limit = agents.get(entry.context.agent)?.cfg.heartbeatTimeoutMs;
      const at = now();
      entry.actor?.send({ type: 'HEARTBEAT', at, deadlineAt: entry.context.deadlineAt === undefined ? undefined : at + (limit ?? 0) });
      return taskView(entry);
    },

    health() {
      const agentViews = warden.agents();
      const breakers = warden.breakers();
      const sups = supervisorViews();
      const failing =
        sups.some((s) => s.status === 'ESCALATED') ||
        (agentViews.length > 0 && agentViews.every((a) => a.lifecycle === 'ESCALATED' || a.lifecycle === 'STOPPED'));
      const degraded = breakers.some((b) => b.state === 'OPEN') || agentViews.some((a) => a.lifecycle === 'ESCALATED');
      return {
        status: failing ? 'failing' : degraded ? 'degraded' : 'ok',
        state,
        ready: state === 'running',
        uptimeMs: state === 'idle' ? 0 : now() - startedAt,
        agents: agentViews,
        breakers,
        supervisors: sups,
        tasks: { total: tasks.size, inFlight: engine.inFlight(), byStatus: tasks.countByStatus() },
      };
    },

    breakers() {
      return [...agents].map(([name, slot]) => breakerView(name, slot));
    },

    resetBreaker(name) {
      const slot = mustAgent(name);
      slot.ref.send({ type: 'RESET', at: now() });
      engine.pump(name);
      return breakerView(name, slot);
    },

    agents() {
      return [...agents].map(([name, slot]) => agentView(name, slot));
    },

    agent(name) {
      return agentView(name, mustAgent(name));
    },

    restartAgent(name) {
      return agentCommand(name, 'restart', (at) => ({ type: 'RESTART', at, restartAt: at }));
    },

    stopAgent(name) {
      return agentCommand(name, 'stop', (at) => ({ type: 'STOP', at }));
    },

    startAgent(name) {
      return agentCommand(name, 'start', (at) => ({ type: 'START', at }));
    },

    supervisors: supervisorViews,

    alerts(q = {}) {
      return alerts.list(q.limit);
    },

    on(event, listener) {
      if (event !== 'transition') throw new WardenError('invalid_input', `unknown event ${String(event)}`);
      return bus.subscribe(listener);
    },
  };
  return warden;
}

function remaining(deadline: number | undefined, now: () => number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, (deadline ?? 0) - now()));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function countRecent(c: AgentContext, at: number): number {
  return c.failures.filter((t) => t > at - c.breaker.windowMs).length;
}

/** Agents under the supervisor tree, in start order. (Nested supervisors arrive with the supervision-tree issue.) */
function flattenAgents(s: ResolvedSupervisorConfig): string[] {
  return s.children.flatMap((c) => (typeof c === 'string' ? [c] : flattenAgents(c)));
}
