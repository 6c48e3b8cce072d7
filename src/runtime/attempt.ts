// Runs one attempt of an in-process agent: builds its ctx, calls run(), reports how it ended.
import type { Logger } from 'pino';
import type { RunFn } from '../config.ts';
import type { Usage } from '../types.ts';
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
  timer?: NodeJS.Timeout;
  /** made the first time the agent reads ctx.signal: most attempts never do */
  controller?: AbortController;
  aborted?: { reason: unknown };
}

export function newAttempt(taskId: string, number: number, agent: string, epoch: number, startedAt: number, timeoutMs: number | undefined): Attempt {
  return { taskId, number, agent, epoch, startedAt, usage: {}, timeoutMs, timer: undefined, controller: undefined, aborted: undefined };
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

export interface AttemptHooks {
  logger: Logger;
  onCheckpoint(data: unknown): void;
  onUsage(u: Usage): void;
  onSuccess(output: unknown): void;
  onFailure(err: unknown): void;
}

export function runAttempt(run: RunFn, entry: TaskEntry, attempt: Attempt, hooks: AttemptHooks): void {
  const c = entry.context;
  let log: Logger | undefined;
  const ctx = {
    get signal() {
      return signalOf(attempt);
    },
    attempt: attempt.number,
    timeoutMs: attempt.timeoutMs,
    checkpoint: c.checkpoint,
    taskId: c.id,
    agent: attempt.agent,
    saveCheckpoint: (data: unknown) => hooks.onCheckpoint(data),
    reportUsage: (u: Usage) => hooks.onUsage(u),
    // A child logger per attempt is only made when the agent logs.
    get log() {
      log ??= hooks.logger.child({ task: c.id, agent: attempt.agent, attempt: attempt.number });
      return log;
    },
  };
  const info = { id: c.id, type: c.type, agent: attempt.agent, input: c.input, attempt: attempt.number };
  let result: unknown;
  try {
    result = run(info, ctx);
  } catch (err) {
    hooks.onFailure(err);
    return;
  }
  if (isThenable(result)) result.then(hooks.onSuccess, hooks.onFailure);
  else hooks.onSuccess(result);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
