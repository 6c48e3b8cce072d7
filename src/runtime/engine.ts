// Carries out what the task machines decide: queues assigned tasks per agent, admits them through
// the agent's breaker and slots, runs attempts, turns their outcomes into events.
import type { Logger } from 'pino';
import { admitsCall, type AgentContext } from '../../machines/agent.ts';
import type { ResolvedConfig } from '../config.ts';
import { breakerHears } from '../policy/breaker-outcome.ts';
import { classifyError } from '../policy/classify.ts';
import { isWardenError } from '../errors.ts';
import type { Clock, ErrorKind, TaskError, TransitionRecord, UsageTotals } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import { abortAttempt, abortReason, newAttempt, runAttempt, type Attempt, type AttemptHooks } from './attempt.ts';
import { attemptUsage, overrunError, wallError, wallLeft } from './attempt-budget.ts';
import type { ProviderGates } from './providers.ts';
import { unref } from './clock.ts';
import type { Decide } from './failure-decision.ts';
import { stackedRetryWarning } from './stacked-retries.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

/** how often an attempt waiting for an unavailable store asks again */
const STORE_RETRY_MS = 1_000;

export interface EngineDeps {
  config: ResolvedConfig;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  clock: Clock;
  logger: Logger;
  /** the task's actor, revived from its context if it has none (a waiting task may rest without one) */
  live(entry: TaskEntry): TaskActor | undefined;
  /** journals a checkpoint (not a state change, but part of the task's state) */
  onCheckpoint(taskId: string, attempt: number, data: unknown): void;
  /** journals an agent whose breaker counted a failure without changing state */
  onAgentChange(agent: string): void;
  /** resolves once the journal holds what was recorded so far (undefined without a journal) */
  durable?(): Promise<void> | undefined;
  decide: Decide;
  /** the providers' gates and buckets: no agent of a closed provider is called */
  gates: ProviderGates;
  /** a task assigned to an agent that does not exist (removed, or gone from the config) */
  orphan?(entry: TaskEntry): void;
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
  /** what the attempt in flight for a task used so far */
  attemptUsage(id: string): UsageTotals | undefined;
  /** a task record, journaled: an attempt's START lets its code run; a CANCEL cuts an attempt short */
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
  /** an external executor's attempt that outlived the process keeps its slot and can still report */
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
    return admitsCall(c, slot.running.size, slot.cfg.concurrency) && deps.gates.admits(slot.cfg.provider);
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
    // Registered before START is sent: its record may come back inside the send, and it finds the attempt.
    const attempt = newAttempt(c.id, number, slot.cfg.name, epoch, at, run ? timeoutMs : undefined);
    attempt.code = run;
    attempts.set(c.id, attempt);
    slot.running.add(c.id);
    deps.gates.started(slot.cfg.provider);
    // The wall-time budget binds external attempts too (until a restart: an adopted one is checked when it ends).
    const wall = wallLeft(c);
    if (wall !== undefined) {
      attempt.budgetTimer = unref(clock.setTimeout(() => void fail(c.id, number, undefined, wallError(c, attempt, now())), wall));
    }
    actor?.send({ type: 'START', at, deadlineAt });
  }

  /**
   * User code may have side effects: it runs only once the journal holds this attempt's START, so a
   * kill -9 at any point leaves either no trace of the attempt or a START that a restart fails as a
   * crash, never one attempt number run twice. Called from START's own record, after the record step
   * journaled it (the send in start() may only queue START). Its timeout starts with its code: a wait
   * for an unavailable store is not the agent's time.
   */
  function begin(attempt: Attempt, entry: TaskEntry) {
    const run = attempt.code;
    const ms = attempt.timeoutMs;
    if (!run || ms === undefined) return;
    attempt.code = undefined;
    whenJournaled(attempt, () => {
      attempt.timer = unref(clock.setTimeout(() => timedOut(attempt), ms));
      runAttempt(run, entry, attempt, hooks);
    });
  }

  function timedOut(attempt: Attempt) {
    void fail(attempt.taskId, attempt.number, undefined, { kind: 'timeout', message: `attempt timed out after ${attempt.timeoutMs} ms` });
  }

  /**
   * Runs `go` once the journal holds what was recorded so far, while `attempt` is still the task's.
   * A store that is unavailable keeps the lines and writes them once it is back (PostgreSQL): the
   * attempt waits for that, a second at a time, instead of failing before its code ever ran.
   */
  function whenJournaled(attempt: Attempt, go: () => void) {
    const written = deps.durable?.();
    if (!written) return go();
    const current = () => attempts.get(attempt.taskId) === attempt;
    written.then(
      () => current() && go(),
      (err: unknown) => {
        if (!current()) return;
        if (!isWardenError(err) || err.code !== 'store_unavailable') return void fail(attempt.taskId, attempt.number, err);
        attempt.journalRetry = unref(clock.setTimeout(() => whenJournaled(attempt, go), STORE_RETRY_MS));
      },
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
    onUsage(attempt, entry, reported) {
      if (attempts.get(attempt.taskId) !== attempt) return;
      if (reported?.tokens !== undefined) deps.gates.used(deps.gates.of(attempt.agent), reported.tokens);
      const spent = overrunError(entry.context, attempt, now());
      if (spent) void fail(attempt.taskId, attempt.number, undefined, spent);
    },
    onFailure: (attempt, err) => void fail(attempt.taskId, attempt.number, err),
  };

  /** Frees the attempt's slot and tells the breaker what it needs to know: failures, and probe results. */
  function release(attempt: Attempt, kind: ErrorKind | undefined) {
    attempts.delete(attempt.taskId);
    if (idleWaiters.length > 0 && runningHere() === 0) for (const w of idleWaiters.splice(0)) w();
    if (attempt.timer !== undefined) clock.clearTimeout(attempt.timer);
    if (attempt.budgetTimer !== undefined) clock.clearTimeout(attempt.budgetTimer);
    if (attempt.journalRetry !== undefined) clock.clearTimeout(attempt.journalRetry);
    const slot = agents.get(attempt.agent);
    if (!slot) return;
    slot.running.delete(attempt.taskId);
    deps.gates.released(slot.cfg.provider);
    const c = agentContext(slot);
    const outcome = breakerHears(c, attempt.epoch, kind);
    if (outcome === undefined) return;
    slot.ref.send({ type: 'RELEASE', at: now(), outcome, epoch: attempt.epoch });
    // A failure counted without opening the circuit changes no state, so no record journals it.
    if (c.circuit === 'CLOSED' && agentContext(slot).circuit === 'CLOSED') deps.onAgentChange(attempt.agent);
  }

  function complete(id: string, number: number, output: unknown) {
    const attempt = attempts.get(id);
    if (!attempt || attempt.number !== number) return;
    const usage = attemptUsage(attempt, now());
    release(attempt, undefined);
    tasks.get(id)?.actor?.send({ type: 'SUCCEED', attempt: number, output, usage });
    pump(attempt.agent);
  }

  async function fail(id: string, number: number, err: unknown, classified?: TaskError) {
    const attempt = attempts.get(id);
    const entry = tasks.get(id);
    if (!attempt || attempt.number !== number || !entry?.actor) return;
    const error = classified ?? classifyError(err, now(), deps.config.classifyError);
    if (!classified) warnStackedRetries(attempt.agent, err);
    abortAttempt(attempt, abortReason(attempt, error));
    const usage = attemptUsage(attempt, now());
    release(attempt, error.kind);
    logFailure(attempt, error);
    deps.gates.failed(attempt.agent, error, now());
    const decision = await deps.decide(entry, error, attempt.timeoutMs);
    // An attempt aborted by stop() answers after its actor stopped: nothing is left to tell (a restart fails it as a crash).
    if (entry.actor?.getSnapshot().status === 'active') entry.actor.send({ type: 'FAIL', attempt: number, at: now(), error, decision, usage });
    pump(attempt.agent);
  }

  /** An external executor's attempt that outlived the process: it keeps its slot and can still report. */
  function adopt(entry: TaskEntry) {
    const slot = agents.get(entry.context.agent);
    if (!slot) return;
    // Epoch -1: never mistaken for a probe of the circuit's current half-open period.
    const attempt = newAttempt(entry.id, entry.context.attempts, slot.cfg.name, -1, entry.context.startedAt ?? now(), undefined);
    attempts.set(entry.id, attempt);
    slot.running.add(entry.id);
    deps.gates.started(slot.cfg.provider);
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

  return {
    enqueue(entry) {
      const slot = agents.get(entry.context.agent);
      if (!slot) return deps.orphan?.(entry);
      slot.queue.push(entry.id);
      pump(slot.cfg.name);
      if (entry.context.status === 'ASSIGNED' && !attempts.has(entry.id)) hibernateLater(entry);
    },
    pump,
    complete,
    fail,
    attempt: (id) => attempts.get(id),
    attemptUsage(id) {
      const a = attempts.get(id);
      return a ? attemptUsage(a, now()) : undefined;
    },
    onTaskRecord(record, entry) {
      const attempt = attempts.get(entry.id);
      if (!attempt) return;
      if (record.to === 'IN_PROGRESS' && record.attempt === attempt.number) return begin(attempt, entry);
      if (record.to !== 'CANCELLED') return;
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
    adopt,
  };
}

