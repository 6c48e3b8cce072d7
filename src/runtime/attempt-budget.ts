// The runtime's side of budgets: what a running attempt has used, and the error that ends it when the
// task's budget runs out mid-attempt. The rules themselves are pure, in machines/budget.ts.
import { addUsage, overrun, spentMessage } from '../../machines/budget.ts';
import type { TaskContext } from '../../machines/task.ts';
import type { TaskError, UsageTotals } from '../types.ts';
import type { Attempt } from './attempt.ts';

/** What the attempt used so far: its reports, and its wall time on the injected clock. */
export function attemptUsage(a: Attempt, now: number): UsageTotals {
  return addUsage(undefined, { ...a.usage, wallMs: Math.max(0, now - a.startedAt) });
}

/** The `budget` error when the task's usage with this attempt's goes past a limit, else undefined. */
export function overrunError(c: TaskContext, a: Attempt, now: number): TaskError | undefined {
  if (!c.budget) return undefined;
  const used = addUsage(c.usage, attemptUsage(a, now));
  const field = overrun(c.budget, used);
  return field ? { kind: 'budget', message: spentMessage(field, c.budget, used) } : undefined;
}

/** The wall time the budget leaves this attempt, or undefined without a wallMs limit. */
export function wallLeft(c: TaskContext): number | undefined {
  const limit = c.budget?.wallMs;
  return limit === undefined ? undefined : Math.max(0, limit - (c.usage?.wallMs ?? 0));
}

/** The error when the wall-time budget ran out during the attempt. */
export function wallError(c: TaskContext, a: Attempt, now: number): TaskError {
  const used = addUsage(c.usage, attemptUsage(a, now));
  return { kind: 'budget', message: spentMessage('wallMs', c.budget ?? {}, used) };
}
