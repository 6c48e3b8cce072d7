// Keeps this process's task table in step with what the other processes of the cluster journal, so
// get(), list(), history() and result() answer synchronously for every task of the cluster. A record
// of another process for a task this process holds means it lost the task (a cancel from elsewhere,
// or its lease was taken over): it lets the task go.
import type { TaskContext } from '../../machines/task.ts';
import type { JournalLine, TaskPatch } from '../store/state.ts';
import { TERMINAL_STATUSES, type TaskStatus, type TransitionRecord } from '../types.ts';
import type { Engine } from './engine.ts';
import type { TaskEntry, TaskTable } from './tasks.ts';

export interface MirrorDeps {
  tasks: TaskTable;
  engine: Engine;
  /** tasks this process holds, with the time it took each */
  held: Map<string, number>;
  /** a task finished elsewhere: answer its waiters, hand it to retention */
  settled(entry: TaskEntry): void;
}

export function contextOf(patch: TaskPatch, prev: TaskContext | undefined): TaskContext {
  const { createdAt: _c, idempotencyKey: _k, input, output, checkpoint, ...small } = patch;
  const ctx: TaskContext = { ...small, input: input !== undefined ? input : prev?.input };
  const out = output !== undefined ? output : prev?.output;
  const cp = checkpoint !== undefined ? checkpoint : prev?.checkpoint;
  if (out !== undefined) ctx.output = out;
  if (cp !== undefined) ctx.checkpoint = cp;
  return ctx;
}

export function createMirror(d: MirrorDeps): { apply(line: JournalLine): void } {
  const { tasks, held } = d;

  function applyTask(r: TransitionRecord, patch: TaskPatch) {
    let entry = tasks.get(r.id);
    const ctx = contextOf(patch, entry?.context);
    if (!entry) {
      entry = tasks.add({ id: r.id, createdAt: patch.createdAt ?? r.at, updatedAt: r.at, idempotencyKey: patch.idempotencyKey, context: ctx, history: [] });
      // Counts follow records; a task first seen mid-life has no count to move from.
      if (r.from !== null) tasks.recount();
    }
    const since = held.get(r.id);
    if (since !== undefined && r.at <= since) {
      // Written before this process took the task: history only, the live state is ours.
      tasks.apply(r, entry.context);
      sortHistory(entry);
      return;
    }
    if (since !== undefined) {
      // Another process wrote to a task held here: it took the task over, so what runs here stops.
      held.delete(r.id);
      d.engine.drop(r.id);
    }
    entry.actor?.stop();
    entry.actor = undefined;
    tasks.apply(r, ctx);
    sortHistory(entry);
    if (TERMINAL_STATUSES.includes(r.to as TaskStatus)) d.settled(entry);
  }

  return {
    apply(line) {
      if ('task' in line) return applyTask(line.r, line.task);
      if ('c' in line) {
        const e = tasks.get(line.c.id);
        if (e && !held.has(e.id)) e.context = { ...e.context, checkpoint: line.c.data };
        return;
      }
      if ('hb' in line) {
        const e = tasks.get(line.hb.id);
        if (e && !held.has(e.id)) e.context = { ...e.context, startedAt: line.hb.at, deadlineAt: line.hb.deadlineAt };
      }
      // Agent, supervisor and alert lines are each process's own.
    },
  };
}

/** Records of two processes may arrive out of order around a hand-over; the history stays oldest first. */
function sortHistory(entry: TaskEntry) {
  const h = entry.history;
  const n = h.length;
  if (n < 2 || (h[n - 2] as TransitionRecord).at <= (h[n - 1] as TransitionRecord).at) return;
  h.sort((a, b) => a.at - b.at);
}
