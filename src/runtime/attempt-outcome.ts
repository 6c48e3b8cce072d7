// How an attempt ends: success, failure (classified, decided, told to the task), cancel or takeover.
// Each frees the attempt's slot, tells the breaker what it needs to know, and pumps the agent's queue.
import { breakerHears } from '../policy/breaker-outcome.ts';
import { classifyError } from '../policy/classify.ts';
import type { ErrorKind, TaskError } from '../types.ts';
import { abortAttempt, abortReason, type Attempt } from './attempt.ts';
import { attemptUsage } from './attempt-budget.ts';
import { agentContext } from './dispatch.ts';
import type { EngineDeps } from './engine-deps.ts';
import { stackedRetryWarning } from './stacked-retries.ts';

export interface Outcomes {
  complete(id: string, attempt: number, output: unknown): void;
  fail(id: string, attempt: number, err: unknown, classified?: TaskError): Promise<void>;
  /** ends an attempt without an event to its task (cancelled, or taken over by another process) */
  abandon(attempt: Attempt, reason: DOMException): void;
}

export interface OutcomeDeps {
  engine: EngineDeps;
  attempts: Map<string, Attempt>;
  pump(agent: string): void;
  /** an attempt left the table */
  freed(): void;
}

export function createOutcomes(d: OutcomeDeps): Outcomes {
  const { tasks, agents, clock, logger, gates } = d.engine;
  const { attempts } = d;
  const now = () => clock.now();
  const warnStackedRetries = stackedRetryWarning(logger);

  /** Frees the attempt's slot and tells the breaker what it needs to know: failures, and probe results. */
  function release(attempt: Attempt, kind: ErrorKind | undefined) {
    attempts.delete(attempt.taskId);
    d.freed();
    if (attempt.timer !== undefined) clock.clearTimeout(attempt.timer);
    if (attempt.budgetTimer !== undefined) clock.clearTimeout(attempt.budgetTimer);
    if (attempt.journalRetry !== undefined) clock.clearTimeout(attempt.journalRetry);
    const slot = agents.get(attempt.agent);
    if (!slot) return;
    slot.running.delete(attempt.taskId);
    gates.released(slot.cfg.provider);
    const c = agentContext(slot);
    const outcome = breakerHears(c, attempt.epoch, kind);
    if (outcome === undefined) return;
    slot.ref.send({ type: 'RELEASE', at: now(), outcome, epoch: attempt.epoch });
    // A failure counted without opening the circuit changes no state, so no record journals it.
    if (c.circuit === 'CLOSED' && agentContext(slot).circuit === 'CLOSED') d.engine.onAgentChange(attempt.agent);
  }

  function complete(id: string, number: number, output: unknown) {
    const attempt = attempts.get(id);
    if (!attempt || attempt.number !== number) return;
    const usage = attemptUsage(attempt, now());
    release(attempt, undefined);
    tasks.get(id)?.actor?.send({ type: 'SUCCEED', attempt: number, output, usage });
    d.pump(attempt.agent);
  }

  async function fail(id: string, number: number, err: unknown, classified?: TaskError) {
    const attempt = attempts.get(id);
    const entry = tasks.get(id);
    if (!attempt || attempt.number !== number || !entry?.actor) return;
    const error = classified ?? classifyError(err, now(), d.engine.config.classifyError);
    if (!classified) warnStackedRetries(attempt.agent, err);
    abortAttempt(attempt, abortReason(attempt, error));
    const usage = attemptUsage(attempt, now());
    release(attempt, error.kind);
    logFailure(attempt, error);
    gates.failed(attempt.agent, error, now());
    const decision = await d.engine.decide(entry, error, attempt.timeoutMs);
    // An attempt aborted by stop() answers after its actor stopped: nothing is left to tell (a restart fails it as a crash).
    if (entry.actor?.getSnapshot().status === 'active') entry.actor.send({ type: 'FAIL', attempt: number, at: now(), error, decision, usage });
    d.pump(attempt.agent);
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
    complete,
    fail,
    abandon(attempt, reason) {
      abortAttempt(attempt, reason);
      release(attempt, 'cancelled');
      d.pump(attempt.agent);
    },
  };
}
