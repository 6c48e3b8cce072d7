// Carries out agent lifecycles: calls start()/stop() as the machines enter STARTING or leave
// STARTING/RUNNING, watches the resource's `exited` promise, and reports exits back as events.
// Starts and stop() calls run one at a time across the tree, in the order their records came (a
// nested supervisor's restart is one step of its parent's, as in OTP where a start blocks the parent).
import type { Logger } from 'pino';
import type { Clock, TransitionRecord } from '../types.ts';
import { sleep } from './clock.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Engine } from './engine.ts';

export interface AgentHooks {
  /** calls the agent's start(); resolves once it has settled (started or crashed) */
  start(name: string): Promise<void>;
  onRecord(record: TransitionRecord): void;
  /** stops every agent's resource, in reverse start order; nothing starts afterwards */
  stopAll(order: readonly string[]): Promise<void>;
  /** drops what is kept of a removed agent (its last incarnation) */
  forget(name: string): void;
}

interface Incarnation {
  controller: AbortController;
  /** stopped on purpose, or exited by itself: either way, nothing more to stop */
  ended: boolean;
  /** settles when this incarnation's stop() has returned or been abandoned */
  stopping?: Promise<void>;
  /** the handle start() returned, once it has (a stop that came first still calls stop() on it) */
  started: boolean;
  /** the config it started with: a removed agent's resource is still stopped by its own stop() */
  cfg: AgentSlot['cfg'];
}

const DOWN = new Set(['STOPPED', 'RESTARTING', 'ESCALATED']);

export function createAgentHooks(deps: {
  agents: Map<string, AgentSlot>;
  engine: Engine;
  clock: Clock;
  random: () => number;
  logger: Logger;
}): AgentHooks {
  const { agents, engine, clock, logger } = deps;
  const now = () => clock.now();
  const lives = new Map<string, Incarnation>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  function sequence(step: () => Promise<void>) {
    chain = chain.then(step, step);
  }

  function exit(name: string, life: Incarnation, reason: string, crash: boolean) {
    // A resource that exited by itself is gone: there is nothing left to stop.
    if (lives.get(name) !== life || !end(life)) return;
    agents.get(name)?.ref.send({ type: 'EXITED', at: now(), reason, crash, rand: deps.random() });
  }

  async function start(name: string): Promise<void> {
    const slot = agents.get(name);
    if (!slot || closed) return;
    // A resource is never started while its previous incarnation is still stopping.
    await lives.get(name)?.stopping;
    if (closed) return;
    const life: Incarnation = { controller: new AbortController(), ended: false, started: false, cfg: slot.cfg };
    lives.set(name, life);
    const hook = slot.cfg.start;
    if (!hook) {
      life.started = true;
      slot.ref.send({ type: 'STARTED', at: now() });
      return;
    }
    try {
      const handle = await hook(life.controller.signal, { name });
      life.started = true;
      // Stopped while start() was pending: the resource came up after all, so it gets its stop() now.
      if (life.ended) {
        if (lives.get(name) === life && !life.stopping) life.stopping = shutdownOf(deps, name, life);
        return;
      }
      slot.ref.send({ type: 'STARTED', at: now() });
      watchExit(handle, (reason, crash) => exit(name, life, reason, crash));
    } catch (err) {
      logger.warn({ agent: name, errName: err instanceof Error ? err.name : typeof err }, 'agent start failed');
      exit(name, life, describe(err), true);
    }
  }

  /** Ends the incarnation at once (its signal aborts, a pending start() sees it); returns what is left to stop. */
  const halt = (name: string): Incarnation | undefined => end(lives.get(name));

  /** Calls stop() on a halted incarnation's resource; a start() still pending calls it when it resolves. */
  function release(name: string, life: Incarnation | undefined): Promise<void> {
    if (life?.started && !life.stopping) life.stopping = shutdownOf(deps, name, life);
    return life?.stopping ?? lives.get(name)?.stopping ?? Promise.resolve();
  }

  function stop(name: string): Promise<void> {
    return release(name, halt(name));
  }

  return {
    start,
    onRecord(r) {
      if (r.kind !== 'agent') return;
      // The first start (from INIT) is made by warden.start(), in order, one at a time.
      if (r.to === 'STARTING' && r.from !== null) sequence(() => start(r.id));
      else if (r.to === 'RUNNING' || r.to === 'CLOSED' || r.to === 'HALF_OPEN') engine.pump(r.id);
      if ((r.from === 'RUNNING' || r.from === 'STARTING') && DOWN.has(r.to)) {
        const crashed = r.event === 'EXITED';
        if (r.from === 'RUNNING') engine.failAgentAttempts(r.id, crashed ? `agent ${r.id} crashed` : `agent ${r.id} was stopped`);
        // A crashed resource is already gone; one we take down on purpose is halted now, stop() in turn.
        if (!crashed) {
          const life = halt(r.id);
          sequence(() => release(r.id, life));
        }
      }
    },
    forget(name) {
      lives.delete(name);
    },
    async stopAll(order) {
      closed = true;
      for (const name of [...order].reverse()) await stop(name);
    },
  };
}

/** Marks a live incarnation ended and aborts its signal; undefined when it had ended already. */
function end(life: Incarnation | undefined): Incarnation | undefined {
  if (!life || life.ended) return undefined;
  life.ended = true;
  life.controller.abort();
  return life;
}

/** Reports the resource's exit, when the handle start() returned has an `exited` promise. */
function watchExit(handle: unknown, exited: (reason: string, crash: boolean) => void): void {
  const p = (handle as { exited?: unknown } | undefined)?.exited;
  if (isThenable(p)) {
    p.then(
      () => exited('normal', false),
      (err: unknown) => exited(describe(err), true),
    );
  }
}

function shutdownOf(deps: { clock: Clock; logger: Logger }, name: string, life: Incarnation): Promise<void> {
  const cfg = life.cfg;
  return cfg?.stop ? shutdown(deps, name, cfg.stop, cfg.shutdownMs) : Promise.resolve();
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 200);
  return typeof err === 'string' ? err.slice(0, 200) : `non-Error value: ${typeof err}`;
}

/** OTP shutdown: wait for stop() up to shutdownMs, not at all ('brutal_kill'), or as long as it takes ('infinity'). */
async function shutdown(
  deps: { clock: Clock; logger: Logger },
  name: string,
  hook: (info: { name: string }) => unknown,
  mode: number | 'brutal_kill' | 'infinity',
): Promise<void> {
  const { clock, logger } = deps;
  const call = (async () => hook({ name }))().catch((err: unknown) =>
    logger.warn({ agent: name, errName: err instanceof Error ? err.name : typeof err }, 'agent stop failed'),
  );
  if (mode === 'brutal_kill') return;
  if (mode === 'infinity') {
    await call;
    return;
  }
  const wait = sleep(clock, mode);
  const outcome = await Promise.race([call.then(() => 'stopped' as const), wait.done.then(() => 'abandoned' as const)]);
  wait.cancel();
  if (outcome === 'abandoned') logger.warn({ agent: name, shutdownMs: mode }, 'agent stop abandoned after shutdownMs');
}
