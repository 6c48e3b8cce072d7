// A human's retry as an event: who and why, how many attempts, and a budget grant. A task whose budget
// is spent is refused unless the retry grants more, with an error that says so.
import { addUsage, exhausted, grantBudget, spentMessage } from '../../machines/budget.ts';
import type { TaskEvent } from '../../machines/task.ts';
import { WardenError } from '../errors.ts';
import { actorFrom, type RetryOptions } from './human.ts';
import { parseGrant } from './submit.ts';
import type { TaskEntry } from './tasks.ts';

export function retryEvent(entry: TaskEntry, opts: RetryOptions | undefined): TaskEvent {
  const who = actorFrom(opts);
  const grant = parseGrant(opts?.budget);
  const c = entry.context;
  // Only a task that could be retried is told about its budget; any other gets the state's refusal.
  if (c.status !== 'FAILED' && c.status !== 'ESCALATED') return grant ? { type: 'RETRY', ...who, budget: grant } : { type: 'RETRY', ...who };
  const used = addUsage(c.usage, undefined);
  const budget = grant ? grantBudget(c.budget, used, grant) : c.budget;
  const gone = exhausted(budget, used);
  if (gone && budget) {
    throw new WardenError(
      'invalid_transition',
      `cannot retry task ${entry.id}: ${spentMessage(gone, budget, used)}; grant more with retry(id, { budget: { ${gone}: … } })`,
      { id: entry.id, status: c.status, field: `budget.${gone}` },
    );
  }
  return grant ? { type: 'RETRY', ...who, budget: grant } : { type: 'RETRY', ...who };
}
