// How an attempt begins: its slot and budget timer, the task's START, and the agent's code once the
// journal holds that START (or an external executor's attempt adopted after a restart).
import { isWardenError } from '../errors.ts';
import type { TransitionRecord } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import { newAttempt, runAttempt, type Attempt, type AttemptHooks } from './attempt.ts';
import { overrunError, wallError, wallLeft } from './attempt-budget.ts';
import type { Outcomes } from './attempt-outcome.ts';
import { unref } from './clock.ts';
import type { EngineDeps } from './engine-deps.ts';
import type { TaskEntry } from './tasks.ts';

/** how often an attempt waiting for an unavailable store asks again */
const STORE_RETRY_MS = 1_000;

export interface Starts {
  start(entry: TaskEntry, slot: AgentSlot, epoch: number): void;
  /** a task record, journaled: the START of an attempt that waits for it lets its code run */
  journaled(record: TransitionRecord, attempt: Attempt, entry: TaskEntry): void;
  /** an external executor's attempt that outlived the process keeps its slot and can still report */
  adopt(entry: TaskEntry): void;
}

export interface StartDeps {
  engine: EngineDeps;
  attempts: Map<string, Attempt>;
  outcomes: Outcomes;
}

export function createStarts(d: StartDeps): Starts {
  const { agents, clock, gates } = d.engine;
  const { attempts, outcomes } = d;
  const now = () => clock.now();

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
    const actor = d.engine.live(entry);
    const number = (actor?.getSnapshot().context.attempts ?? c.attempts) + 1;
    // Registered before START is sent: its record may come back inside the send, and it finds the attempt.
    const attempt = newAttempt(c.id, number, slot.cfg.name, epoch, at, run ? timeoutMs : undefined);
    attempt.code = run;
    attempts.set(c.id, attempt);
    slot.running.add(c.id);
    gates.started(slot.cfg.provider);
    // The wall-time budget binds external attempts too (until a restart: an adopted one is checked when it ends).
    const wall = wallLeft(c);
    if (wall !== undefined) {
      attempt.budgetTimer = unref(clock.setTimeout(() => void outcomes.fail(c.id, number, undefined, wallError(c, attempt, now())), wall));
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
    void outcomes.fail(attempt.taskId, attempt.number, undefined, { kind: 'timeout', message: `attempt timed out after ${attempt.timeoutMs} ms` });
  }

  /**
   * Runs `go` once the journal holds what was recorded so far, while `attempt` is still the task's.
   * A store that is unavailable keeps the lines and writes them once it is back (PostgreSQL): the
   * attempt waits for that, a second at a time, instead of failing before its code ever ran.
   */
  function whenJournaled(attempt: Attempt, go: () => void) {
    const written = d.engine.durable?.();
    if (!written) return go();
    const current = () => attempts.get(attempt.taskId) === attempt;
    written.then(
      () => current() && go(),
      (err: unknown) => {
        if (!current()) return;
        if (!isWardenError(err) || err.code !== 'store_unavailable') return void outcomes.fail(attempt.taskId, attempt.number, err);
        attempt.journalRetry = unref(clock.setTimeout(() => whenJournaled(attempt, go), STORE_RETRY_MS));
      },
    );
  }

  const hooks = attemptHooks(d);

  return {
    start,
    journaled(record, attempt, entry) {
      if (record.to === 'IN_PROGRESS' && record.attempt === attempt.number) begin(attempt, entry);
    },
    adopt(entry) {
      const slot = agents.get(entry.context.agent);
      if (!slot) return;
      // Epoch -1: never mistaken for a probe of the circuit's current half-open period.
      const attempt = newAttempt(entry.id, entry.context.attempts, slot.cfg.name, -1, entry.context.startedAt ?? now(), undefined);
      attempts.set(entry.id, attempt);
      slot.running.add(entry.id);
      gates.started(slot.cfg.provider);
      d.engine.live(entry)?.send({ type: 'RESUME' });
    },
  };
}

/** What a running attempt reports goes to the task while the attempt is still the task's. */
function attemptHooks(d: StartDeps): AttemptHooks {
  const { clock, gates } = d.engine;
  const { attempts, outcomes } = d;
  return {
    logger: d.engine.logger,
    onCheckpoint(attempt, entry, data) {
      if (attempts.get(attempt.taskId) !== attempt) return;
      entry.actor?.send({ type: 'CHECKPOINT', attempt: attempt.number, data });
      d.engine.onCheckpoint(attempt.taskId, attempt.number, data);
    },
    onSuccess: (attempt, output) => outcomes.complete(attempt.taskId, attempt.number, output),
    onUsage(attempt, entry, reported) {
      if (attempts.get(attempt.taskId) !== attempt) return;
      if (reported?.tokens !== undefined) gates.used(gates.of(attempt.agent), reported.tokens);
      const spent = overrunError(entry.context, attempt, clock.now());
      if (spent) void outcomes.fail(attempt.taskId, attempt.number, undefined, spent);
    },
    onFailure: (attempt, err) => void outcomes.fail(attempt.taskId, attempt.number, err),
  };
}
