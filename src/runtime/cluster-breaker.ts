// Breakers per agent name across the cluster: every counted failure is counted in PostgreSQL too,
// the cluster's circuit (OPEN, HALF_OPEN, CLOSED) reaches every process through NOTIFY (and the 1 s
// tick), and only the one process elected prober may send half-open probes, so their number is
// bounded cluster-wide. Each process's agent machine still holds its own circuit: this module keeps
// it in step (TRIP, RESET) and pushes the changes it makes by itself.
import type { Logger } from 'pino';
import { breakerSql, type BreakerRow, type BreakerSql } from '../store/postgres-breaker-sql.ts';
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

const ctx = (slot: AgentSlot) => slot.ref.getSnapshot().context;

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

  const report = (what: string) => reporter(logger, what);

  /** Makes on the local machine a change that came from the cluster (under `applying`). */
  function quietly(send: () => void) {
    applying = true;
    try {
      send();
    } finally {
      applying = false;
    }
  }

  function saw(agent: string, version: number) {
    seen.set(agent, Math.max(seen.get(agent) ?? -1, version));
  }

  function push(agent: string, p: Promise<number | undefined>) {
    void p.then((v) => {
      if (v !== undefined) saw(agent, v);
    }, report(agent));
  }

  function apply(row: BreakerRow) {
    const slot = agents.get(row.agent);
    const version = Number(row.version);
    if (!slot || version <= (seen.get(row.agent) ?? -1)) return;
    seen.set(row.agent, version);
    const at = now();
    quietly(() => follow(slot, row, d.node, at));
  }

  async function elect(agent: string, slot: AgentSlot) {
    const epoch = ctx(slot).epoch;
    const v = await sql.elect(agent, now(), slot.cfg.breaker.openMs);
    if (v !== undefined) {
      saw(agent, v);
      prober.set(agent, epoch);
      engine.pump(agent);
      return;
    }
    // Another process probes: this one waits, open, until its turn runs out or the circuit closes.
    await breakers.sync();
    const c = ctx(slot);
    if (c.circuit === 'HALF_OPEN' && prober.get(agent) !== c.epoch) {
      quietly(() => slot.ref.send({ type: 'TRIP', at: now(), openUntil: now() + slot.cfg.breaker.openMs }));
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
      if (slot) countFailure(sql, agent, slot.cfg.breaker, now(), () => breakers.sync(), report(agent));
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

/** Brings the local circuit in step with the cluster's row: closed, open until its time, or waiting for another's probe. */
function follow(slot: AgentSlot, row: BreakerRow, node: string, at: number) {
  const c = ctx(slot);
  if (row.state === 'CLOSED' && c.circuit !== 'CLOSED') slot.ref.send({ type: 'RESET', at, by: 'cluster' });
  const until = row.state === 'OPEN' ? Number(row.open_until) : row.state === 'HALF_OPEN' && row.probe_owner !== node ? Number(row.probe_until) : undefined;
  if (until !== undefined && until > at && !(c.circuit === 'OPEN' && (c.openUntil ?? 0) >= until)) {
    slot.ref.send({ type: 'TRIP', at: Number(row.opened_at ?? at), openUntil: until });
  }
}

/** Counts a failure in PostgreSQL; the cluster's count reaching the threshold opens the circuit. */
function countFailure(
  sql: BreakerSql,
  agent: string,
  b: AgentSlot['cfg']['breaker'],
  at: number,
  sync: () => Promise<void>,
  report: (err: unknown) => void,
) {
  void sql.failure(agent, at, b.windowMs).then((n) => {
    // Opened by the cluster's count, not this machine's: applied here like anywhere else.
    if (n >= b.failureThreshold) return sql.trip(agent, at, at + b.openMs).then(() => sync());
  }, report);
}

function reporter(logger: Logger, what: string) {
  return (err: unknown) => logger.warn({ errName: err instanceof Error ? err.name : typeof err, what }, 'cluster breaker update failed');
}
