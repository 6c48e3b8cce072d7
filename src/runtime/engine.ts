// Carries out what the task machines decide: queues assigned tasks per agent, admits them through
// the agent's breaker and slots, runs attempts, turns their outcomes into events.
import type { Logger } from 'pino';
import type { ActorRefFrom } from 'xstate';
import { admits, admitsCall, type AgentContext, type agentMachine, type CallOutcome } from '../../machines/agent.ts';
import type { TaskDecision } from '../../machines/task.ts';
import type { ResolvedAgentConfig, ResolvedConfig } from '../config.ts';
import { classifyError } from '../policy/classify.ts';
import { decideRetry } from '../policy/decide.ts';
import { runRecovery, type AgentInfo, type RecoveryContext, type RecoveryStrategy } from '../policy/recovery.ts';
import type { Clock, ErrorKind, TaskError, TransitionRecord } from '../types.ts';
import { abortAttempt, newAttempt, runAttempt, type Attempt, type AttemptHooks } from './attempt.ts';
import { unref } from './clock.ts';
import type { Queue } from './queue.ts';
import { stackedRetryWarning } from './stacked-retries.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export interface AgentSlot {
  cfg: ResolvedAgentConfig;
  ref: ActorRefFrom<typeof agentMachine>;
  queue: Queue<string>;
  /** ids of tasks with an attempt in flight on this agent */
  running: Set<string>;
}

/** Failures of these kinds say the agent itself is unwell, so they count toward its breaker. */
const HEALTH_KINDS: ReadonlySet<ErrorKind> = new Set(['server', 'timeout', 'connection', 'crash', 'rate_limit', 'unknown']);

export function callOutcome(kind: ErrorKind | undefined): CallOutcome {
  if (kind === undefined) return 'success';
  if (kind === 'cancelled') return 'ignore';
  // The agent answered (a 400, 401 or 404 of one task): for the breaker that is a working agent.
  return HEALTH_KINDS.has(kind) ? 'failure' : 'success';
}

export interface EngineDeps {
  config: ResolvedConfig;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  strategies: ReadonlyMap<string, RecoveryStrategy>;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** the task's actor, revived from its context if it has none (a waiting task may rest without one) */
  live(entry: TaskEntry): TaskActor | undefined;
  /** journals a checkpoint (not a state change, but part of the task's state) */
  onCheckpoint(taskId: string, attempt: number, data: unknown): void;
  /** journals an agent whose breaker counted a failure without changing state */
  onAgentChange(agent: string): void;
  /** resolves once the journal holds what was recorded so far (undefined without a journal) */
  durable?(): Promise<void> | undefined;
  /** whether a half-open probe may go out here (a cluster elects one process); undefined = always */
  mayProbe?(agent: string): boolean;
}

export interface Engine {
  enqueue(entry: TaskEntry): void;
  pump(agent: string): void;
  complete(id: string, attempt: number, output: unknown): void;
  fail(id: string, attempt: number, err: unknown, classified?: TaskError): Promise<void>;
  /** the attempt in flight for a task, if any */
  attempt(id: string): Attempt | undefined;
  /** a task record arrived: tidy up an attempt a CANCEL cut short */
  onTaskRecord(record: TransitionRecord, entry: TaskEntry): void;
  /** aborts and forgets a task's attempt without an event: another process took the task over */
  drop(id: string): void;
  /** fail every attempt in flight on an agent that crashed or stopped */
  failAgentAttempts(agent: string, reason: string): void;
  setDispatching(on: boolean): void;
  inFlight(): number;
  /** drops the actor of a task that waits in a queue (outside any transition of it) */
  rest(entry: TaskEntry): void;
  /** resolves when no in-process attempt is in flight */
  idle(): Promise<void>;
  failRestored(entry: TaskEntry): Promise<void>;
  redecide(entry: TaskEntry): Promise<void>;
  adopt(entry: TaskEntry): void;
}

export function createEngine(deps: EngineDeps): Engine {
  const { tasks, agents, clock, logger } = deps;
  const now = () => clock.now();
  const warnStackedRetries = stackedRetryWarning(logger);
  const attempts = new Map<string, Attempt>();
  // An agent that answers synchronously would otherwise recurse pump → complete → pump once per queued task.
  const pumping = new Set<string>();
  const idleWaiters: Array<() => void> = [];
  /** In-process attempts in flight (external ones run elsewhere and outlive a stop). */
  const runningHere = () => {
    let n = 0;
    for (const a of attempts.values()) if (a.timeoutMs !== undefined) n++;
    return n;
  };
  let dispatching = false;

  function agentContext(slot: AgentSlot): AgentContext {
    return slot.ref.getSnapshot().context;
  }

  function pump(name: string) {
    const slot = agents.get(name);
    if (!slot || !dispatching || pumping.has(name)) return;
    pumping.add(name);
    try {
      drain(slot, name);
    } finally {
      pumping.delete(name);
    }
  }

  /** Concurrency is counted here (a Set's size); the machine only hears about half-open probes. */
  // A task waiting in a queue needs no actor: it rests as its context (a few hundred bytes instead of
  // a few KiB) and live() revives it when it is dispatched. Done after the turn, outside any transition.
  const sleepy = new Set<TaskEntry>();
  function hibernateLater(entry: TaskEntry) {
    if (sleepy.size === 0) setImmediate(hibernate);
    sleepy.add(entry);
  }
  function hibernate() {
    for (const entry of sleepy) rest(entry);
    sleepy.clear();
  }
  function rest(entry: TaskEntry) {
    if (entry.actor && entry.context.status === 'ASSIGNED' && !attempts.has(entry.id)) {
      entry.actor.stop();
      entry.actor = undefined;
    }
  }

  function admitsNow(slot: AgentSlot): boolean {
    const c = agentContext(slot);
    if (c.circuit === 'HALF_OPEN' && deps.mayProbe && !deps.mayProbe(slot.cfg.name)) return false;
    return admitsCall(c, slot.running.size, slot.cfg.concurrency);
  }

  function drain(slot: AgentSlot, name: string) {
    while (slot.queue.size > 0 && admitsNow(slot)) {
      const id = slot.queue.shift() as string;
      const entry = tasks.get(id);
      // A queued id may be stale: cancelled, or re-routed to another agent meanwhile.
      if (!entry || entry.context.status !== 'ASSIGNED' || entry.context.agent !== name) continue;
      const before = agentContext(slot);
      if (before.circuit === 'HALF_OPEN') slot.ref.send({ type: 'ACQUIRE', at: now() });
      start(entry, slot, before.epoch);
      // Pumped from inside the agent's own transition (its HALF_OPEN record), ACQUIRE waits in the
      // agent's mailbox and the probe count is stale: admit one probe, resume after.
      if (before.circuit === 'HALF_OPEN' && agentContext(slot) === before) {
        queueMicrotask(() => pump(name));
        return;
      }
    }
  }

  function start(entry: TaskEntry, slot: AgentSlot, epoch: number) {
    const c = entry.context;
    const at = now();
    const run = slot.cfg.run;
    const timeoutMs = c.timeoutMs ?? slot.cfg.timeoutMs;
    // An external attempt's deadline (heartbeats) is the machine's: it must survive a restart.
    // An in-process attempt's timeout is the runtime's: a restart fails that attempt anyway.
    const hb = slot.cfg.heartbeatTimeoutMs;
    const deadlineAt = !run && hb !== undefined ? at + hb : undefined;
    // Read before START: when pump runs inside the task's own transition, START is queued, not yet applied.
    const actor = deps.live(entry);
    const number = (actor?.getSnapshot().context.attempts ?? c.attempts) + 1;
    actor?.send({ type: 'START', at, deadlineAt });
    const attempt = newAttempt(c.id, number, slot.cfg.name, epoch, at, run ? timeoutMs : undefined);
    attempts.set(c.id, attempt);
    slot.running.add(c.id);
    if (!run) return;
    attempt.timer = unref(
      clock.setTimeout(() => {
        void fail(c.id, number, undefined, { kind: 'timeout', message: `attempt timed out after ${timeoutMs} ms` });
      }, timeoutMs),
    );
    // User code may have side effects: it runs only once the journal knows this attempt began, so a
    // kill -9 before that point leaves no trace of it to run twice under the same attempt number.
    const written = deps.durable?.();
    if (!written) return runAttempt(run, entry, attempt, hooks);
    written.then(
      () => attempts.get(c.id) === attempt && runAttempt(run, entry, attempt, hooks),
      (err: unknown) => void fail(c.id, number, err),
    );
  }

  const hooks: AttemptHooks = {
    logger,
    onCheckpoint(attempt, entry, data) {
      if (attempts.get(attempt.taskId) !== attempt) return;
      entry.actor?.send({ type: 'CHECKPOINT', attempt: attempt.number, data });
      deps.onCheckpoint(attempt.taskId, attempt.number, data);
    },
    onSuccess: (attempt, output) => complete(attempt.taskId, attempt.number, output),
    onFailure: (attempt, err) => void fail(attempt.taskId, attempt.number, err),
  };

  /** Frees the attempt's slot and tells the breaker what it needs to know: failures, and probe results. */
  function release(attempt: Attempt, kind: ErrorKind | undefined) {
    attempts.delete(attempt.taskId);
    if (idleWaiters.length > 0 && runningHere() === 0) for (const w of idleWaiters.splice(0)) w();
    if (attempt.timer !== undefined) clock.clearTimeout(attempt.timer);
    const slot = agents.get(attempt.agent);
    if (!slot) return;
    slot.running.delete(attempt.taskId);
    const outcome = callOutcome(kind);
    const c = agentContext(slot);
    const probe = c.circuit === 'HALF_OPEN' && attempt.epoch === c.epoch;
    const counted = c.circuit === 'CLOSED' && outcome === 'failure';
    if (probe || counted) slot.ref.send({ type: 'RELEASE', at: now(), outcome, epoch: attempt.epoch });
    if (counted && agentContext(slot).circuit === 'CLOSED') deps.onAgentChange(attempt.agent);
  }

  function complete(id: string, number: number, output: unknown) {
    const attempt = attempts.get(id);
    if (!attempt || attempt.number !== number) return;
    release(attempt, undefined);
    tasks.get(id)?.actor?.send({ type: 'SUCCEED', attempt: number, output });
    pump(attempt.agent);
  }

  async function fail(id: string, number: number, err: unknown, classified?: TaskError) {
    const attempt = attempts.get(id);
    const entry = tasks.get(id);
    if (!attempt || attempt.number !== number || !entry?.actor) return;
    const error = classified ?? classifyError(err, now(), deps.config.classifyError);
    if (!classified) warnStackedRetries(attempt.agent, err);
    abortAttempt(attempt, error.kind === 'timeout' ? timeoutReason(attempt) : undefined);
    release(attempt, error.kind);
    logFailure(attempt, error);
    const decision = await decide(entry, error, attempt.timeoutMs);
    entry.actor?.send({ type: 'FAIL', attempt: number, at: now(), error, decision });
    pump(attempt.agent);
  }

  /** An attempt the process died during: it failed with `crash` and follows its policy like any failure. */
  async function failRestored(entry: TaskEntry) {
    const actor = deps.live(entry);
    const c = entry.context;
    const error: TaskError = { kind: 'crash', message: `the process stopped during attempt ${c.attempts}` };
    const timeoutMs = c.timeoutMs ?? agents.get(c.agent)?.cfg.timeoutMs;
    logger.warn({ task: c.id, agent: c.agent, attempt: c.attempts, errorKind: 'crash' }, 'attempt lost in a crash');
    const decision = await decide(entry, error, timeoutMs);
    actor?.send({ type: 'FAIL', attempt: c.attempts, at: now(), error, decision });
  }

  /** A task left FAILED by a crash between its failure and the decision: decide now. */
  async function redecide(entry: TaskEntry) {
    const actor = deps.live(entry);
    const error = entry.context.error ?? { kind: 'crash', message: 'failure lost in a crash' };
    const decision = await decide(entry, error, entry.context.timeoutMs, false);
    actor?.send({ type: 'DECIDE', decision });
  }

  /** An external executor's attempt that outlived the process: it keeps its slot and can still report. */
  function adopt(entry: TaskEntry) {
    const slot = agents.get(entry.context.agent);
    if (!slot) return;
    // Epoch -1: never mistaken for a probe of the circuit's current half-open period.
    const attempt = newAttempt(entry.id, entry.context.attempts, slot.cfg.name, -1, entry.context.startedAt ?? now(), undefined);
    attempts.set(entry.id, attempt);
    slot.running.add(entry.id);
    deps.live(entry)?.send({ type: 'RESUME' });
  }

  function logFailure(attempt: Attempt, error: TaskError) {
    // Never the message: provider errors often quote the prompt back.
    logger.warn(
      {
        task: attempt.taskId,
        agent: attempt.agent,
        attempt: attempt.number,
        errorKind: error.kind,
        status: error.status,
        turns: attempt.usage.turns,
        costUsd: attempt.usage.costUsd,
        tokens: attempt.usage.tokens,
      },
      'attempt failed',
    );
  }

  async function decide(entry: TaskEntry, error: TaskError, timeoutMs: number | undefined, counted = true): Promise<TaskDecision> {
    const c = entry.context;
    const type = deps.config.taskTypes[c.type] ?? deps.config.taskTypes.default;
    if (!type) return { action: 'escalate', reason: `unknown task type ${c.type}` };
    const agentCfg = agents.get(c.agent)?.cfg;
    const retry = decideRetry({
      error,
      attempts: c.attempts,
      maxRetries: c.maxRetries,
      failureCounts: counted ? { ...c.failureCounts, [error.kind]: (c.failureCounts[error.kind] ?? 0) + 1 } : c.failureCounts,
      backoff: type.backoff,
      rand: deps.random(),
      timeoutMs,
      maxTimeoutMs: agentCfg?.maxTimeoutMs ?? Number.MAX_SAFE_INTEGER,
    });
    const ctx: RecoveryContext = {
      retry,
      agent: (name) => agentInfo(name),
      peers: (name) => peersOf(name),
      degrade: type.degrade
        ? (task, e) => type.degrade?.({ ...task, attempt: task.attempts }, e)
        : undefined,
    };
    const task = { id: c.id, type: c.type, agent: c.agent, input: c.input, attempts: c.attempts, maxRetries: c.maxRetries, checkpoint: c.checkpoint };
    const d = await runRecovery(type.recovery, deps.strategies, task, error, ctx, (name, err) =>
      logger.error({ strategy: name, errName: err instanceof Error ? err.name : typeof err }, 'recovery strategy threw'),
    );
    if (d.action === 'retry') return { action: 'retry', agent: d.agent, delayMs: d.delayMs, timeoutMs: d.timeoutMs };
    if (d.action === 'degrade') return { action: 'degrade', output: d.output };
    return { action: 'escalate', reason: d.reason };
  }

  function agentInfo(name: string): AgentInfo | undefined {
    const slot = agents.get(name);
    if (!slot) return undefined;
    const c = agentContext(slot);
    return { name, role: slot.cfg.role, fallback: slot.cfg.fallback, circuit: c.circuit, lifecycle: c.lifecycle };
  }

  function peersOf(name: string): string[] {
    const role = agents.get(name)?.cfg.role;
    // An agent whose role is its own name (no role given) has no peers: reassign never moves its tasks.
    if (role === undefined || role === name) return [];
    return [...agents.values()].filter((s) => s.cfg.role === role && s.cfg.name !== name).map((s) => s.cfg.name);
  }

  return {
    enqueue(entry) {
      const slot = agents.get(entry.context.agent);
      if (!slot) return;
      slot.queue.push(entry.id);
      pump(slot.cfg.name);
      if (entry.context.status === 'ASSIGNED' && !attempts.has(entry.id)) hibernateLater(entry);
    },
    pump,
    complete,
    fail,
    attempt: (id) => attempts.get(id),
    onTaskRecord(record, entry) {
      if (record.to !== 'CANCELLED') return;
      const attempt = attempts.get(entry.id);
      if (!attempt) return;
      abortAttempt(attempt, new DOMException('task cancelled', 'AbortError'));
      release(attempt, 'cancelled');
      pump(attempt.agent);
    },
    drop(id) {
      const attempt = attempts.get(id);
      if (!attempt) return;
      abortAttempt(attempt, new DOMException('task taken over by another process', 'AbortError'));
      release(attempt, 'cancelled');
      pump(attempt.agent);
    },
    failAgentAttempts(agent, reason) {
      const slot = agents.get(agent);
      if (!slot) return;
      for (const id of [...slot.running]) {
        const attempt = attempts.get(id);
        if (attempt) void fail(id, attempt.number, undefined, { kind: 'crash', message: reason });
      }
    },
    setDispatching(on) {
      dispatching = on;
      if (on) for (const name of agents.keys()) pump(name);
    },
    inFlight: () => attempts.size,
    rest,
    idle() {
      if (runningHere() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    failRestored,
    redecide,
    adopt,
  };
}

function timeoutReason(attempt: Attempt): DOMException {
  return new DOMException(`attempt ${attempt.number} timed out after ${attempt.timeoutMs ?? '?'} ms`, 'TimeoutError');
}

