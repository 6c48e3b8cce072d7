// The rounds of a cluster process's work, one at a time: breaker sync, the journal tail, taking over
// expired leases, claiming ASSIGNED tasks for the agents it has room in, and retention's sweep. An
// ask that comes in during a round runs in the next; a failed round waits for the next tick.
import type { ClusterSql } from '../store/postgres-cluster-sql.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { ClusterBreakers } from './cluster-breaker.ts';
import type { ClusterDeps } from './cluster-deps.ts';
import type { Leases } from './cluster-leases.ts';

export interface Wanted {
  tail: boolean;
  claim: boolean;
  expire: boolean;
  sweep: boolean;
  breakers: boolean;
}

export interface Rounds {
  /** asks for these kinds of work; a round starts unless one runs */
  kick(what: Partial<Wanted>): void;
  /** takes over expired leases (or, with mine, this node's leases from an earlier life) */
  expire(mine: boolean): Promise<void>;
  /** how many more attempts the agent may take on here (0 with an open circuit or a stopped agent) */
  freeSlots(slot: AgentSlot): number;
  /** false since a round failed, until one succeeds */
  readonly dbUp: boolean;
  markDown(): void;
  /** no round starts after this; resolves when the one running ended */
  stop(): Promise<void>;
}

export interface RoundDeps {
  cluster: ClusterDeps;
  sql: ClusterSql;
  leases: Leases;
  breakers: ClusterBreakers;
  tail(): Promise<void>;
}

const NOTHING: Wanted = { tail: false, claim: false, expire: false, sweep: false, breakers: false };
const EXPIRED_PAGE = 200;

export function createRounds(d: RoundDeps): Rounds {
  const { config, agents, engine, clock, logger } = d.cluster;
  const node = config.node;
  const wanted: Wanted = { ...NOTHING };
  let running: Promise<void> | undefined;
  let stopped = false;
  let dbUp = true;

  function kick(what: Partial<Wanted>) {
    for (const [k, v] of Object.entries(what) as Array<[keyof Wanted, boolean | undefined]>) if (v) wanted[k] = true;
    if (!running && !stopped) running = loop().finally(() => (running = undefined));
  }

  async function loop() {
    while (!stopped && Object.values(wanted).some(Boolean)) {
      const w = { ...wanted };
      Object.assign(wanted, NOTHING);
      try {
        if (w.breakers) await d.breakers.sync();
        if (w.tail || w.claim) await d.tail();
        if (w.expire) await expire(false);
        if (w.claim) await claim();
        if (w.sweep) await sweep();
        dbUp = true;
      } catch (err) {
        if (dbUp) logger.error({ errName: err instanceof Error ? err.name : typeof err, node }, 'cluster round failed; retrying every second');
        dbUp = false;
        return;
      }
    }
  }

  function freeSlots(slot: AgentSlot): number {
    const c = slot.ref.getSnapshot().context;
    // An open circuit, a half-open one another process probes, or a stopped agent claims nothing.
    if (c.circuit === 'OPEN' || c.lifecycle !== 'RUNNING') return 0;
    if (c.circuit === 'HALF_OPEN' && !d.breakers.mayProbe(slot.cfg.name)) return 0;
    return slot.cfg.concurrency - slot.running.size - slot.queue.size;
  }

  async function claim() {
    for (const [name, slot] of agents) {
      const free = freeSlots(slot);
      if (free <= 0) continue;
      const rows = await d.sql.claim(name, free, clock.now(), config.leaseMs);
      for (const row of rows) engine.enqueue(d.leases.adopt(row));
    }
  }

  /** Leases that ran out (their process died, or this one let go of the task), or that this node held in an earlier life. */
  async function expire(mine: boolean) {
    const names = [...agents.keys()];
    for (;;) {
      const rows = await d.sql.expired(names, clock.now(), config.leaseMs, mine, [...d.leases.held.keys()]);
      for (const row of rows) d.leases.resume(d.leases.adopt(row));
      if (rows.length < EXPIRED_PAGE) return;
    }
  }

  async function sweep() {
    const n = await d.sql.sweep(clock.now() - config.retentionMs, 1_000);
    if (n > 0) logger.info({ deleted: n, node }, 'retention: finished tasks deleted from PostgreSQL');
  }

  return {
    kick,
    expire,
    freeSlots,
    get dbUp() {
      return dbUp;
    },
    markDown() {
      dbUp = false;
    },
    async stop() {
      stopped = true;
      await running?.catch(() => {});
    },
  };
}
