// What callers and operators do to tasks: submit, cancel / retry / resolve, and an external executor's
// reports. Each acts once the state allows it and answers once what it changed is durable.
import type { TaskEvent } from '../../machines/task.ts';
import type { TaskView } from '../types.ts';
import { live, mustGet, mustRun, refuse, type Core } from './core.ts';
import { actorFrom } from './human.ts';
import { retryEvent } from './retry-request.ts';
import { parseSubmit } from './submit.ts';
import { newTaskId } from './task-id.ts';
import { taskView, type TaskEntry } from './tasks.ts';
import { currentTraceparent } from './tracing.ts';
import type { Warden } from './warden-api.ts';

export type TaskCommands = Pick<Warden, 'submit' | 'cancel' | 'retry' | 'resolve' | 'reportFailure' | 'reportSuccess' | 'heartbeat'>;

export function taskCommands(core: Core): TaskCommands {
  const { tasks, engine } = core;

  /** Sends an operator's event once it is durable, or rejects with invalid_transition when the state does not take it. */
  async function command(id: string, event: TaskEvent, what: string): Promise<TaskView> {
    mustRun(core);
    // Across processes the task's row is taken first; a cancel takes it even from a live process.
    const taken = core.cluster ? await core.cluster.take(id, event.type === 'CANCEL') : true;
    const entry = mustGet(core, id);
    const actor = taken ? live(core, entry) : undefined;
    if (!actor?.getSnapshot().can(event)) {
      core.cluster?.untake(id);
      throw refuse(id, what, entry.context.status);
    }
    actor.send(event);
    await core.persistence?.durable();
    return taskView(entry);
  }

  function inProgress(id: string, what: string): TaskEntry {
    mustRun(core);
    const entry = mustGet(core, id);
    if (entry.context.status !== 'IN_PROGRESS' || !engine.attempt(id)) throw refuse(id, what, entry.context.status);
    return entry;
  }

  return {
    async submit(req) {
      mustRun(core);
      const r = parseSubmit(req, core.config, core.agents);
      const existing = r.idempotencyKey ? tasks.byKey(r.idempotencyKey) : undefined;
      if (existing) {
        await core.persistence?.durable();
        return { id: existing.id, created: false };
      }
      const id = newTaskId();
      // Unique across the cluster: the key is reserved in PostgreSQL before the task exists.
      const owner = r.idempotencyKey && core.cluster ? await core.cluster.reserveKey(r.idempotencyKey, id) : id;
      if (owner !== id) return { id: owner, created: false };
      const at = core.clock.now();
      const actor = core.actors.create({ id, type: r.type, agent: r.agent, input: r.input, maxRetries: r.maxRetries, autoAssign: true, traceparent: currentTraceparent(), ...(r.budget ? { budget: r.budget } : {}) });
      // A machine's context is never changed in place (each assign makes a new one): no copy needed.
      const entry = tasks.add({ id, createdAt: at, updatedAt: at, idempotencyKey: r.idempotencyKey, actor, context: actor.getSnapshot().context, history: [] });
      actor.start(); // PENDING, then ASSIGNED in the same step
      // Queued rather than started: rest now, so the actor dies young (cheap for the GC) instead of next turn.
      engine.rest(entry);
      await core.persistence?.durable();
      return { id, created: true };
    },

    cancel: async (id, o) => command(id, { type: 'CANCEL', ...actorFrom(o), usage: engine.attemptUsage(id) }, 'cancel'),
    retry: async (id, o) => {
      mustRun(core);
      return command(id, retryEvent(mustGet(core, id), o), 'retry');
    },
    resolve: async (id, output, o) => command(id, { type: 'RESOLVE', output, ...actorFrom(o) }, 'resolve'),

    async reportFailure(id, error) {
      const entry = inProgress(id, 'report a failure of');
      const attempt = engine.attempt(id);
      if (attempt) await engine.fail(id, attempt.number, error);
      await core.persistence?.durable();
      return taskView(entry);
    },

    async reportSuccess(id, output) {
      const entry = inProgress(id, 'report the success of');
      const attempt = engine.attempt(id);
      if (attempt) engine.complete(id, attempt.number, output);
      await core.persistence?.durable();
      return taskView(entry);
    },

    async heartbeat(id) {
      const entry = inProgress(id, 'heartbeat');
      const cfg = core.agents.get(entry.context.agent)?.cfg;
      // Heartbeats keep an external executor's attempt alive; an in-process attempt keeps its own timeout.
      if (cfg && !cfg.run) {
        const at = core.clock.now();
        const limit = cfg.heartbeatTimeoutMs;
        const deadlineAt = limit === undefined ? undefined : at + limit;
        entry.actor?.send({ type: 'HEARTBEAT', at, deadlineAt });
        // Not a state change, but a restart must not time the attempt out from before this heartbeat.
        core.persistence?.heartbeat(id, at, deadlineAt);
        await core.persistence?.durable();
      }
      return taskView(entry);
    },
  };
}
