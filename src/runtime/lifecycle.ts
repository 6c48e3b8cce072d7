// Starting and stopping one Warden: restore, the supervisor tree, the agents' start order and resumed
// work on the way up; drain, abort, the agents' stop order and the final snapshot on the way down.
import { emptyState, type PersistedState } from '../store/state.ts';
import { abortAttempt } from './attempt.ts';
import { sleep } from './clock.ts';
import { live, type Core } from './core.ts';
import { restoreChildren, type RestoredChildren } from './dynamic-specs.ts';
import { openPersistence, resumeTasks } from './restore.ts';
import { createCluster } from './cluster.ts';
import { settle } from './record-step.ts';
import { createSupervisorActor } from './supervision.ts';
import type { TaskEntry } from './tasks.ts';

export async function startWarden(core: Core): Promise<void> {
  if (core.state !== 'idle') return;
  core.state = 'restoring';
  core.startedAt = core.clock.now();
  try {
    const restored = await restore(core);
    const children = restoredChildren(core, restored);
    const created = createSupervisorActor({
      config: core.config,
      clock: core.clock,
      inspect: core.inspect,
      publish: (fact) => core.bus.publish(fact),
      restored: core.persist ? { agents: restored.agents, supervisors: restored.supervisors } : undefined,
      dynamic: (sup) => children?.bySupervisor.get(sup) ?? [],
      cfgOf: (name) => children?.cfgs.get(name),
    });
    core.supervisor = created;
    if (children) core.dynamic.adopt(children);
    for (const [name, slot] of created.slots) core.agents.set(name, slot);
    core.gates.start(core.persist ? restored.providers : undefined);
    // Restored timers are not armed: RESUME arms an OPEN circuit's remaining time (a no-op elsewhere).
    if (core.persist) for (const slot of core.agents.values()) slot.ref.send({ type: 'RESUME' });
    // Children start in order: each start() settles before the next begins.
    for (const name of core.order()) {
      if (core.agents.get(name)?.ref.getSnapshot().context.lifecycle === 'STARTING') await core.hooks.start(name);
    }
    core.state = 'running';
    if (core.cluster) await core.cluster.start();
    else resumeTasks({ ...core, live: (entry) => live(core, entry) });
    core.engine.setDispatching(true);
    core.retention.start();
  } catch (err) {
    core.state = 'idle';
    throw err;
  }
}

async function restore(core: Core): Promise<PersistedState> {
  if (!core.persist) return emptyState();
  const opened = await openPersistence({
    config: core.config,
    tasks: core.tasks,
    agents: core.agents,
    alerts: core.alerts,
    archive: core.archive,
    bus: core.bus,
    supervisor: (name) => core.supervisor?.contextOf(name),
    provider: (name) => core.gates.state(name),
    providerNames: () => core.gates.names,
    clock: core.clock,
    logger: core.logger,
    cluster: { holds: (id) => core.cluster?.holds(id) ?? false, fenced: (ids) => core.cluster?.fenced(ids) },
  });
  core.persistence = opened.persistence;
  const store = opened.postgres;
  if (store) {
    const { config, tasks, agents, engine, decide, clock, logger } = core;
    const settled = (e: TaskEntry) => {
      settle(e);
      core.retention.settled(e);
    };
    core.cluster = createCluster({ config, store, tasks, agents, engine, decide, live: (e) => live(core, e), clock, logger, settled });
  }
  core.catalog = opened.catalog;
  return opened.restored;
}

/** The last process's dynamic children, and a WARNING for each agent of the saved state that is no more. */
function restoredChildren(core: Core, restored: PersistedState): RestoredChildren | undefined {
  if (!core.persist) return undefined;
  const children = restoreChildren(core.config, core.supervisorsByName, restored.supervisors, restored.agents);
  for (const p of children.problems) core.alerts.raise('WARNING', 'supervisor', p);
  return children;
}

/** A warden that never started (or whose start failed) has nothing to take down: it only becomes stopped. */
export async function stopWarden(core: Core): Promise<void> {
  if (core.state === 'idle' || core.state === 'stopped') {
    core.state = 'stopped';
    return;
  }
  core.state = 'stopping';
  core.engine.setDispatching(false);
  core.retention.stop();
  await drain(core);
  for (const entry of core.tasks.all()) entry.actor?.stop();
  for (const slot of core.agents.values()) {
    for (const id of slot.running) {
      const attempt = core.engine.attempt(id);
      if (attempt) abortAttempt(attempt, new DOMException('warden stopping', 'AbortError'));
    }
  }
  const stopOrder = core.order();
  core.supervisor?.actor.stop();
  core.gates.stop();
  core.tracing.close();
  await core.hooks.stopAll(stopOrder);
  try {
    await core.persistence?.durable();
  } catch {
    // what could not be written stays for the next start's recovery
  }
  await core.cluster?.stop();
  try {
    await core.persistence?.close();
    core.catalog?.close();
  } catch (err) {
    core.logger.error({ err }, 'final snapshot failed');
  }
  core.state = 'stopped';
}

/** Lets attempts in flight finish, for drainMs at most; what is still running then is aborted
 *  (and, with a data dir, fails as a crash on the next start). */
async function drain(core: Core) {
  if (core.config.drainMs <= 0) return;
  const expired = sleep(core.clock, core.config.drainMs);
  await Promise.race([core.engine.idle(), expired.done]);
  expired.cancel();
}
