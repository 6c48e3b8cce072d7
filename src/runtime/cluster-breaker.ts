// Breakers per agent name across the cluster: every counted failure is counted in PostgreSQL too,
// the cluster's circuit (OPEN, HALF_OPEN, CLOSED) reaches every process through NOTIFY (and the 1 s
// tick), and only the one process elected prober may send half-open probes, so their number is
// bounded cluster-wide. Each process's agent machine still holds its own circuit: this module keeps
// it in step (TRIP, RESET) and pushes the changes it makes by itself.
import type { Logger } from 'pino';
import { breakerSql, type BreakerRow } from '../store/postgres-breaker-sql.ts';
import type { PostgresStore } from '../store/postgres-store.ts';
import type { Clock, TransitionRecord } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Engine } from './engine.ts';

export interface ClusterBreakers {
  start(): Promise<void>;
  /** reads the cluster's breakers and brings the local circuits in step */
  sync(): Promise<void>;
  /** a failure the local breaker counted without changing state */
  failure(agent: string): void;
  /** a local agent record: a circuit change made here goes to the cluster */
  onRecord(r: TransitionRecord): void;
  /** whether this process may send a half-open probe now */
  mayProbe(agent: string): boolean;
}

export function createClusterBreakers(d: {
  store: PostgresStore;
  node: string;
  agents: Map<string, AgentSlot>;
  engine: Engine;
  clock: Clock;
  logger: Logger;
}): ClusterBreakers {
  const { agents, engine, clock, logger } = d;
  const now = () => clock.now();
  const sql = breakerSql(d.store.pool, d.store.schema, d.node, d.store.channel);
  const seen = new Map<string, number>();
  /** the local epoch of the HALF_OPEN period this process won the prober election for */
  const prober = new Map<string, number>();
  // While set, the change on the local machine came from the cluster: not pushed back.
  let applying = false;

  const ctx = (slot: AgentSlot) => slot.ref.getSnapshot().context;

  function report(what: string) {
    return (err: unknown) => logger.warn({ errName: err instanceof Error ? err.name : typeof err, what }, 'cluster breaker update failed');
  }

  function push(agent: string, p: Promise<number | undefined>) {
    void p.then((v) => {
      if (v !== undefined) seen.set(agent, Math.max(seen.get(agent) ?? -1, v));
    }, report(agent));
  }

  function apply(row: BreakerRow) {
    const slot = agents.get(row.agent);
    const version = Number(row.version);
    if (!slot || version <= (seen.get(row.agent) ?? -1)) return;
    seen.set(row.agent, version);
    const c = ctx(slot);
    const at = now();
    applying = true;
    try {
      if (row.state === 'CLOSED' && c.circuit !== 'CLOSED') slot.ref.send({ type: 'RESET', at, by: 'cluster' });
      const until = row.state === 'OPEN' ? Number(row.open_until) : row.state === 'HALF_OPEN' && row.probe_owner !== d.node ? Number(row.probe_until) : undefined;
      if (until !== undefined && until > at && !(c.circuit === 'OPEN' && (c.openUntil ?? 0) >= until)) {
        slot.ref.send({ type: 'TRIP', at: Number(row.opened_at ?? at), openUntil: until });
      }
    } finally {
      applying = false;
    }
  }

  async function elect(agent: string, slot: AgentSlot) {
    const epoch = ctx(slot).epoch;
    const v = await sql.elect(agent, now(), slot.cfg.breaker.openMs);
    if (v !== undefined) {
      seen.set(agent, Math.max(seen.get(agent) ?? -1, v));
      prober.set(agent, epoch);
      engine.pump(agent);
      return;
    }
    // Another process probes: this one waits, open, until its turn runs out or the circuit closes.
    await breakers.sync();
    const c = ctx(slot);
    if (c.circuit === 'HALF_OPEN' && prober.get(agent) !== c.epoch) {
      applying = true;
      try {
        slot.ref.send({ type: 'TRIP', at: now(), openUntil: now() + slot.cfg.breaker.openMs });
      } finally {
        applying = false;
      }
    }
  }

  const breakers: ClusterBreakers = {
    async start() {
      await sql.ensure([...agents.keys()]);
      await breakers.sync();
    },
    async sync() {
      for (const row of await sql.read()) apply(row);
    },
    failure(agent) {
      const slot = agents.get(agent);
      if (!slot) return;
      const b = slot.cfg.breaker;
      const at = now();
      void sql.failure(agent, at, b.windowMs).then((n) => {
        // Opened by the cluster's count, not this machine's: applied here like anywhere else.
        if (n >= b.failureThreshold) return sql.trip(agent, at, at + b.openMs).then(() => breakers.sync());
      }, report(agent));
    },
    onRecord(r) {
      if (r.kind !== 'agent' || applying) return;
      const slot = agents.get(r.id);
      if (!slot) return;
      const c = ctx(slot);
      if (r.to === 'OPEN' && c.openUntil !== undefined) push(r.id, sql.trip(r.id, c.openedAt ?? now(), c.openUntil));
      else if (r.to === 'CLOSED' && r.from !== null) push(r.id, sql.close(r.id));
      else if (r.to === 'HALF_OPEN') void elect(r.id, slot).catch(report(r.id));
    },
    mayProbe(agent) {
      const slot = agents.get(agent);
      return slot !== undefined && prober.get(agent) === ctx(slot).epoch;
    },
  };
  return breakers;
}
