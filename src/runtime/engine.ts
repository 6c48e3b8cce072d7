// Carries out what the task machines decide: the table of attempts in flight, wired to the queues
// that admit tasks (dispatch.ts), the start of attempts (attempt-start.ts) and their ends
// (attempt-outcome.ts). The one object the rest of the runtime calls.
import type { TaskError, TransitionRecord, UsageTotals } from '../types.ts';
import type { Attempt } from './attempt.ts';
import { attemptUsage } from './attempt-budget.ts';
import { createOutcomes } from './attempt-outcome.ts';
import { createStarts } from './attempt-start.ts';
import { createDispatch } from './dispatch.ts';
import type { EngineDeps } from './engine-deps.ts';
import type { TaskEntry } from './tasks.ts';

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
  const attempts = new Map<string, Attempt>();
  const idleWaiters: Array<() => void> = [];
  /** In-process attempts in flight (external ones run elsewhere and outlive a stop). */
  const runningHere = () => {
    let n = 0;
    for (const a of attempts.values()) if (a.timeoutMs !== undefined) n++;
    return n;
  };
  const freed = () => {
    if (idleWaiters.length > 0 && runningHere() === 0) for (const w of idleWaiters.splice(0)) w();
  };
  // Late-bound: dispatch starts attempts, and their outcomes pump dispatch again.
  const outcomes = createOutcomes({ engine: deps, attempts, freed, pump: (agent) => dispatch.pump(agent) });
  const starts = createStarts({ engine: deps, attempts, outcomes });
  const dispatch = createDispatch({ engine: deps, running: (id) => attempts.has(id), start: starts.start });

  return {
    enqueue: dispatch.enqueue,
    pump: dispatch.pump,
    complete: outcomes.complete,
    fail: outcomes.fail,
    attempt: (id) => attempts.get(id),
    attemptUsage(id) {
      const a = attempts.get(id);
      return a ? attemptUsage(a, deps.clock.now()) : undefined;
    },
    onTaskRecord(record, entry) {
      const attempt = attempts.get(entry.id);
      if (!attempt) return;
      if (record.to === 'CANCELLED') outcomes.abandon(attempt, new DOMException('task cancelled', 'AbortError'));
      else starts.journaled(record, attempt, entry);
    },
    drop(id) {
      const attempt = attempts.get(id);
      if (attempt) outcomes.abandon(attempt, new DOMException('task taken over by another process', 'AbortError'));
    },
    failAgentAttempts(agent, reason) {
      const slot = deps.agents.get(agent);
      if (!slot) return;
      for (const id of [...slot.running]) {
        const attempt = attempts.get(id);
        if (attempt) void outcomes.fail(id, attempt.number, undefined, { kind: 'crash', message: reason });
      }
    },
    setDispatching: dispatch.setDispatching,
    inFlight: () => attempts.size,
    rest: dispatch.rest,
    idle() {
      if (runningHere() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    adopt: starts.adopt,
  };
}
