// Carries out agent lifecycles: calls start()/stop() when the machine enters STARTING or leaves
// RUNNING, watches the resource's `exited` promise, and reports exits back as events.
import type { Logger } from 'pino';
import type { TransitionRecord } from '../types.ts';
import type { AgentSlot, Engine } from './engine.ts';

export interface AgentHooks {
  /** calls the agent's start(); resolves once it has settled (started or crashed) */
  start(name: string): Promise<void>;
  onRecord(record: TransitionRecord): void;
  /** stops every agent's resource, in reverse start order */
  stopAll(order: readonly string[]): Promise<void>;
}

interface Incarnation {
  gen: number;
  controller: AbortController;
  stopped: boolean;
  /** settles when this incarnation's stop() has returned or been abandoned */
  stopping?: Promise<void>;
}

export function createAgentHooks(deps: {
  agents: Map<string, AgentSlot>;
  engine: Engine;
  now: () => number;
  random: () => number;
  logger: Logger;
}): AgentHooks {
  const { agents, engine, now, logger } = deps;
  const lives = new Map<string, Incarnation>();

  function exit(name: string, life: Incarnation, reason: string, crash: boolean) {
    if (lives.get(name) !== life || life.stopped) return;
    life.controller.abort();
    agents.get(name)?.ref.send({ type: 'EXITED', at: now(), reason, crash, rand: deps.random() });
  }

  async function start(name: string): Promise<void> {
    const slot = agents.get(name);
    if (!slot) return;
    // A resource is never started while its previous incarnation is still stopping.
    await lives.get(name)?.stopping;
    const life: Incarnation = { gen: (lives.get(name)?.gen ?? 0) + 1, controller: new AbortController(), stopped: false };
    lives.set(name, life);
    const hook = slot.cfg.start;
    if (!hook) {
      slot.ref.send({ type: 'STARTED', at: now() });
      return;
    }
    try {
      const handle = await hook(life.controller.signal);
      if (lives.get(name) !== life || life.stopped) return;
      slot.ref.send({ type: 'STARTED', at: now() });
      const exited = (handle as { exited?: unknown } | undefined)?.exited;
      if (isThenable(exited)) {
        exited.then(
          () => exit(name, life, 'normal', false),
          (err: unknown) => exit(name, life, describe(err), true),
        );
      }
    } catch (err) {
      logger.warn({ agent: name, errName: err instanceof Error ? err.name : typeof err }, 'agent start failed');
      exit(name, life, describe(err), true);
    }
  }

  function stop(name: string): Promise<void> {
    const life = lives.get(name);
    if (!life) return Promise.resolve();
    if (life.stopped) return life.stopping ?? Promise.resolve();
    life.stopped = true;
    life.controller.abort();
    const cfg = agents.get(name)?.cfg;
    life.stopping = cfg?.stop ? shutdown(name, cfg.stop, cfg.shutdownMs) : Promise.resolve();
    return life.stopping;
  }

  /** OTP shutdown: wait for stop() up to shutdownMs, not at all ('brutal_kill'), or as long as it takes ('infinity'). */
  async function shutdown(name: string, hook: () => unknown, mode: number | 'brutal_kill' | 'infinity'): Promise<void> {
    const call = (async () => hook())().catch((err: unknown) =>
      logger.warn({ agent: name, errName: err instanceof Error ? err.name : typeof err }, 'agent stop failed'),
    );
    if (mode === 'brutal_kill') return;
    if (mode === 'infinity') {
      await call;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<'abandoned'>((resolve) => (timer = setTimeout(() => resolve('abandoned'), mode)));
    const outcome = await Promise.race([call.then(() => 'stopped' as const), abandoned]);
    clearTimeout(timer);
    if (outcome === 'abandoned') logger.warn({ agent: name, shutdownMs: mode }, 'agent stop abandoned after shutdownMs');
  }

  return {
    start,
    onRecord(r) {
      if (r.kind !== 'agent') return;
      // The first start (from INIT) is made by warden.start(), in order, one at a time.
      if (r.to === 'STARTING' && r.from !== null) void start(r.id);
      else if (r.to === 'RUNNING' || r.to === 'CLOSED' || r.to === 'HALF_OPEN') engine.pump(r.id);
      if (r.from === 'RUNNING' && (r.to === 'RESTARTING' || r.to === 'STOPPED' || r.to === 'ESCALATED')) {
        const crashed = r.event === 'EXITED';
        engine.failAgentAttempts(r.id, crashed ? `agent ${r.id} crashed` : `agent ${r.id} was stopped`);
        // A crashed resource is already gone; one we stop on purpose gets its stop() call.
        if (!crashed) void stop(r.id);
      }
    },
    async stopAll(order) {
      for (const name of [...order].reverse()) await stop(name);
    },
  };
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 200);
  return typeof err === 'string' ? err.slice(0, 200) : `non-Error value: ${typeof err}`;
}
