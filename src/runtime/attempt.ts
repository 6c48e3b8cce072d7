// Runs one attempt of an in-process agent: builds its ctx, calls run(), reports how it ended.
import type { Logger } from 'pino';
import type { RunContext, RunFn } from '../config.ts';
import type { TaskError, TimerHandle, Usage } from '../types.ts';
import type { TaskEntry } from './tasks.ts';

export interface Attempt {
  taskId: string;
  number: number;
  agent: string;
  /** the breaker epoch at admission: tells a half-open probe from an older call */
  epoch: number;
  startedAt: number;
  usage: Usage;
  timeoutMs?: number;
  timer?: TimerHandle;
  /** fires when the task's wall-time budget runs out during this attempt */
  budgetTimer?: TimerHandle;
  /** the agent's code, held until the journal has this attempt's START */
  code?: RunFn;
  /** armed while the attempt waits for an unavailable store to journal its START */
  journalRetry?: TimerHandle;
  /** made the first time the agent reads ctx.signal: most attempts never do */
  controller?: AbortController;
  aborted?: { reason: unknown };
}

export function newAttempt(taskId: string, number: number, agent: string, epoch: number, startedAt: number, timeoutMs: number | undefined): Attempt {
  return { taskId, number, agent, epoch, startedAt, usage: {}, timeoutMs, timer: undefined, code: undefined, budgetTimer: undefined, journalRetry: undefined, controller: undefined, aborted: undefined };
}

export function signalOf(a: Attempt): AbortSignal {
  if (!a.controller) {
    a.controller = new AbortController();
    if (a.aborted) a.controller.abort(a.aborted.reason);
  }
  return a.controller.signal;
}

export function abortAttempt(a: Attempt, reason: unknown): void {
  if (a.aborted) return;
  a.aborted = { reason };
  a.controller?.abort(reason);
}

/** Why an attempt's signal aborts when it fails this way: a timeout and a spent budget say so. */
export function abortReason(a: Attempt, error: TaskError): DOMException | undefined {
  if (error.kind === 'timeout') return new DOMException(`attempt ${a.number} timed out after ${a.timeoutMs ?? '?'} ms`, 'TimeoutError');
  if (error.kind === 'budget') return new DOMException(error.message, 'AbortError');
  return undefined;
}

/** What the engine does with an attempt's events; one object for all attempts (no closures per attempt). */
export interface AttemptHooks {
  logger: Logger;
  onCheckpoint(attempt: Attempt, entry: TaskEntry, data: unknown): void;
  onSuccess(attempt: Attempt, output: unknown): void;
  /** after reportUsage added `reported` to the attempt's usage: the budget and the provider's token bucket */
  onUsage(attempt: Attempt, entry: TaskEntry, reported: Usage): void;
  onFailure(attempt: Attempt, err: unknown): void;
}

/** The `ctx` an agent's run() gets. A class: its methods live once on the prototype, not per attempt. */
class AttemptContext implements RunContext {
  readonly attempt: number;
  readonly timeoutMs: number | undefined;
  readonly checkpoint: unknown;
  readonly taskId: string;
  readonly agent: string;
  #log: Logger | undefined;
  constructor(
    private readonly a: Attempt,
    private readonly entry: TaskEntry,
    private readonly hooks: AttemptHooks,
  ) {
    this.attempt = a.number;
    this.timeoutMs = a.timeoutMs;
    this.checkpoint = entry.context.checkpoint;
    this.taskId = a.taskId;
    this.agent = a.agent;
  }
  get signal(): AbortSignal {
    return signalOf(this.a);
  }
  // A child logger per attempt is only made when the agent logs.
  get log(): Logger {
    this.#log ??= this.hooks.logger.child({ task: this.a.taskId, agent: this.a.agent, attempt: this.a.number });
    return this.#log;
  }
  saveCheckpoint(data: unknown): void {
    this.hooks.onCheckpoint(this.a, this.entry, data);
  }
  reportUsage(u: Usage): void {
    for (const k of ['turns', 'costUsd', 'tokens'] as const) {
      const v = u?.[k];
      if (typeof v === 'number' && Number.isFinite(v)) this.a.usage[k] = (this.a.usage[k] ?? 0) + v;
    }
    this.hooks.onUsage(this.a, this.entry, u);
  }
}

export function runAttempt(run: RunFn, entry: TaskEntry, attempt: Attempt, hooks: AttemptHooks): void {
  const c = entry.context;
  const ctx = new AttemptContext(attempt, entry, hooks);
  const info = { id: c.id, type: c.type, agent: attempt.agent, input: c.input, attempt: attempt.number };
  let result: unknown;
  try {
    result = run(info, ctx);
  } catch (err) {
    hooks.onFailure(attempt, err);
    return;
  }
  if (isThenable(result)) {
    result.then(
      (output) => hooks.onSuccess(attempt, output),
      (err: unknown) => hooks.onFailure(attempt, err),
    );
  } else hooks.onSuccess(attempt, result);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
