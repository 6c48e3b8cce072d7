// The runtime's step for each record, before any listener sees it: the task table first (so every
// later step sees the new state), then the journal, dispatch, retention, the replay ring, alerts,
// agent hooks and tracing. One function in one order, so no step depends on the order listeners subscribed in.
import { addUsage } from '../../machines/budget.ts';
import { WardenError } from '../errors.ts';
import { TERMINAL_STATUSES, type TaskStatus, type TransitionRecord } from '../types.ts';
import type { Core } from './core.ts';
import type { TaskEntry } from './tasks.ts';

export function createRecordStep(core: Core): (r: TransitionRecord) => void {
  /** The task table takes the record; returns the entry when the task has an actor to step. */
  function applied(r: TransitionRecord): TaskEntry | undefined {
    const entry = core.tasks.get(r.id);
    const context = entry?.actor?.getSnapshot().context;
    if (!entry || !context) return undefined;
    core.tasks.apply(r, context);
    return entry;
  }

  /** After the journal took the record. Returns the task when this record finished it. */
  function carriedOut(r: TransitionRecord, entry: TaskEntry): TaskEntry | undefined {
    // An attempt's START journaled: its code may run (the engine waits for durability first).
    core.engine.onTaskRecord(r, entry);
    core.cluster?.onRecord(r);
    // The explicit dispatch step: a task that became ASSIGNED joins its agent's queue (on a cluster,
    // only when this process keeps it).
    if (r.to === 'ASSIGNED' && (!core.cluster || core.cluster.keeps(entry, r))) core.engine.enqueue(entry);
    if (!TERMINAL_STATUSES.includes(r.to as TaskStatus)) return undefined;
    settle(entry);
    return entry;
  }

  return function onRecord(r) {
    const entry = r.kind === 'task' ? applied(r) : undefined;
    if (r.kind === 'agent') core.cluster?.onAgentRecord(r);
    if (r.usage) core.used = addUsage(core.used, r.usage);
    // Journaled before dispatch: a dispatched task's START then follows its ASSIGNED in the journal.
    core.persistence?.record(r);
    const finished = entry ? carriedOut(r, entry) : undefined;
    // Only once its last line is journaled may a finished task leave memory (the line is read from it).
    if (finished) core.retention.settled(finished);
    core.replay.remember(r);
    core.alerts.fromRecord(r);
    core.hooks.onRecord(r);
    core.dynamic.onRecord(r);
    core.tracing.onRecord(r);
  };
}

/** A finished task drops its actor and answers whoever awaits its result. */
export function settle(entry: TaskEntry) {
  entry.actor = undefined;
  const waiters = entry.waiters ?? [];
  entry.waiters = undefined;
  for (const w of waiters) {
    if (entry.context.status === 'SUCCEEDED') w.resolve(entry.context.output);
    else w.reject(new WardenError('cancelled', `task ${entry.id} was cancelled`, { id: entry.id }));
  }
}
