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
  controller: AbortController;
  usage: Usage;
  timeoutMs?: number;
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
    signal: attempt.controller.signal,
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
