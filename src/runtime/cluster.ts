// Several processes on one PostgreSQL: which tasks this process holds, claiming work for the agents
// it declares (FOR UPDATE SKIP LOCKED), renewing its leases, taking over the expired leases of dead
// processes (their attempts fail as `crash`), taking a task for an operator's command, and the tail
// of the journal that keeps the local task table in step. Woken by LISTEN/NOTIFY; a 1 s tick is the
// only polling. warden.ts wires it in only when the PostgreSQL store is configured.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config.ts';
import { WardenError } from '../errors.ts';
import { clusterSql } from '../store/postgres-cluster-sql.ts';
import { unavailable } from '../store/postgres-connect.ts';
import { listen, type Listener } from '../store/postgres-listen.ts';
import { taskOfRow, type TaskRowRead } from '../store/postgres-restore.ts';
import type { PostgresStore } from '../store/postgres-store.ts';
import type { Clock, TransitionRecord } from '../types.ts';
import { every, type Repeating } from './clock.ts';
import { createClusterBreakers } from './cluster-breaker.ts';
import { createMirror } from './cluster-mirror.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { Engine } from './engine.ts';
import type { Decide } from './failure-decision.ts';
import { resumeTask } from './restore.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export interface Cluster {
  /** whether this process holds the task (the store writes its row with this node's lease) */
  holds(id: string): boolean;
  /** the store dropped writes to these tasks: another process owns them now */
  fenced(ids: string[]): void;
  /** a local record of a task, before it is journaled */
  onRecord(r: TransitionRecord): void;
  /** a task became ASSIGNED here: true when this process runs it, else it goes back to the pool */
  keeps(entry: TaskEntry, r: TransitionRecord): boolean;
  start(): Promise<void>;
  /** gives every lease back (others take the tasks over at once) and stops listening */
  stop(): Promise<void>;
  /** before an operator's command: the task's row becomes this process's; false when another live process holds it */
  take(id: string, force: boolean): Promise<boolean>;
  /** a task another process created that this one has not heard of yet: read it into the table */
  lookup(id: string): Promise<TaskEntry | undefined>;
  /** after a command the state did not allow: give back what take() took */
  untake(id: string): void;
  /** the id of the task that holds the key across the cluster (`id` when this submit reserved it) */
  reserveKey(key: string, id: string): Promise<string>;
  /** a failure the local breaker counted without changing state: the cluster counts it too */
  agentFailure(agent: string): void;
  /** a local agent record (circuit changes go to the cluster) */
  onAgentRecord(r: TransitionRecord): void;
  mayProbe(agent: string): boolean;
  /** false while the database or the notification channel is lost */
  readonly up: boolean;
}

export interface ClusterDeps {
  config: ResolvedConfig;
  store: PostgresStore;
  tasks: TaskTable;
  agents: Map<string, AgentSlot>;
  engine: Engine;
  live(entry: TaskEntry): TaskActor | undefined;
  settled(entry: TaskEntry): void;
  decide: Decide;
  clock: Clock;
  logger: Logger;
}

const RESTING = new Set(['ESCALATED', 'SUCCEEDED', 'CANCELLED']);
const TERMINAL = new Set(['SUCCEEDED', 'CANCELLED']);
const TAIL_PAGE = 2_000;
const HOLE_MS = 10_000;
const MAX_HOLES = 10_000;
const SWEEP_EVERY_TICKS = 60;

export function createCluster(d: ClusterDeps): Cluster {
  const { config, store, tasks, agents, engine, clock, logger } = d;
  const now = () => clock.now();
  const node = config.node;
  const leaseMs = config.leaseMs;
  const sql = clusterSql(store.pool, store.schema, node);
  const held = new Map<string, number>();
  const takenFrom = new Map<string, string | null>();
  const mirror = createMirror({ tasks, engine, held, settled: d.settled });
  const breakers = createClusterBreakers({ store, node, agents, engine, clock, logger });
  let gid = store.restoredGid;
  const holes = new Map<number, number>();
  let listener: Listener | undefined;
  let ticker: Repeating | undefined;
  let renewer: Repeating | undefined;
  let listening = false;
  let dbUp = true;
  let stopped = false;
  let ticks = 0;
  // One round of work at a time; asks that arrive meanwhile run in the next round.
  const wanted = { tail: false, claim: false, expire: false, sweep: false, breakers: false };
  let running: Promise<void> | undefined;

  function kick(what: Partial<typeof wanted>) {
    Object.assign(wanted, Object.fromEntries(Object.entries(what).filter(([, v]) => v)));
    if (!running && !stopped) running = loop().finally(() => (running = undefined));
  }

  async function loop() {
    while (!stopped && (wanted.tail || wanted.claim || wanted.expire || wanted.sweep || wanted.breakers)) {
      const w = { ...wanted };
      Object.assign(wanted, { tail: false, claim: false, expire: false, sweep: false, breakers: false });
      try {
        if (w.breakers) await breakers.sync();
        if (w.tail || w.claim) await tail();
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

  /**
   * Commits of several processes are not serialized, so a smaller gid may commit after a larger one:
   * a gap passed over is a hole, asked for again by every tail until it shows up or HOLE_MS passes
   * (a rolled-back batch leaves one for good). Records of one task never overtake each other: a
   * process writes to a task only after the commit that handed it over.
   */
  async function tail() {
    for (;;) {
      const ask = [...holes.keys()];
      const rows = await sql.tail(gid, TAIL_PAGE, ask);
      for (const row of rows) {
        if (row.gid <= gid) holes.delete(row.gid);
        else {
          for (let g = gid + 1; g < row.gid && row.gid - g <= MAX_HOLES; g++) holes.set(g, now());
          gid = row.gid;
        }
        if (row.node !== node) mirror.apply(row.line);
      }
      const old = now() - HOLE_MS;
      for (const [g, at] of holes) if (at < old) holes.delete(g);
      if (rows.length < TAIL_PAGE) return;
    }
  }

  function freeSlots(slot: AgentSlot): number {
    const c = slot.ref.getSnapshot().context;
    // An open circuit, a half-open one another process probes, or a stopped agent claims nothing.
    if (c.circuit === 'OPEN' || c.lifecycle !== 'RUNNING') return 0;
    if (c.circuit === 'HALF_OPEN' && !breakers.mayProbe(slot.cfg.name)) return 0;
    return slot.cfg.concurrency - slot.running.size - slot.queue.size;
  }

  async function claim() {
    for (const [name, slot] of agents) {
      const free = freeSlots(slot);
      if (free <= 0) continue;
      const rows = await sql.claim(name, free, now(), leaseMs);
      for (const row of rows) engine.enqueue(adopt(row));
    }
  }

  /** Leases that ran out (their process died), or that this node held in an earlier life. */
  async function expire(mine: boolean) {
    const names = [...agents.keys()];
    for (;;) {
      const rows = await sql.expired(names, now(), leaseMs, mine);
      for (const row of rows) resume(adopt(row));
      if (rows.length < 200) return;
    }
  }

  async function sweep() {
    const n = await sql.sweep(now() - config.retentionMs, 1_000);
    if (n > 0) logger.info({ deleted: n, node }, 'retention: finished tasks deleted from PostgreSQL');
  }

  /** The row is the truth for a task this process just took: the local entry takes its state. */
  function adopt(row: TaskRowRead): TaskEntry {
    const t = taskOfRow(row);
    let entry = tasks.get(row.id);
    if (!entry) {
      entry = tasks.add({ id: row.id, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: [] });
    } else {
      entry.actor?.stop();
      entry.actor = undefined;
      entry.context = t.ctx;
    }
    held.set(row.id, now());
    return entry;
  }

  /** A task taken over from a dead process continues the way a restored one does. */
  function resume(entry: TaskEntry) {
    resumeTask({ tasks, agents, engine, decide: d.decide, clock, logger, live: d.live }, entry);
  }

  function letGo(entry: TaskEntry) {
    held.delete(entry.id);
    // Outside the transition that brought it here: the actor is mid-step.
    setImmediate(() => {
      if (held.has(entry.id) || !entry.actor || engine.attempt(entry.id)) return;
      if (entry.context.status === 'ASSIGNED' || entry.context.status === 'PENDING') {
        entry.actor.stop();
        entry.actor = undefined;
      }
    });
  }

  async function renew() {
    try {
      const still = await sql.renew(now(), leaseMs);
      for (const id of [...held.keys()]) {
        // Written since the renewal began, or lost to another process (then its records follow in the tail).
        if (!still.has(id) && (held.get(id) ?? 0) < now() - leaseMs) held.delete(id);
      }
    } catch {
      dbUp = false;
    }
  }

  return {
    holds: (id) => held.has(id),
    fenced(ids) {
      for (const id of ids) {
        held.delete(id);
        // Its START may be among the dropped lines: the attempt must not run here as well.
        engine.drop(id);
        const entry = tasks.get(id);
        if (entry) {
          entry.actor?.stop();
          entry.actor = undefined;
        }
      }
      logger.warn({ tasks: ids.length, node }, 'writes to tasks another process took over were dropped');
      kick({ tail: true });
    },
    onRecord(r) {
      if (!RESTING.has(r.to)) return;
      held.delete(r.id);
      kick({ claim: true });
    },
    keeps(entry, r) {
      const slot = agents.get(entry.context.agent);
      if (held.has(entry.id) && slot) return true;
      // A fresh submit runs where it was submitted when that process has room; else any process may claim it.
      if (slot && r.from === 'PENDING' && freeSlots(slot) > 0) {
        held.set(entry.id, now());
        return true;
      }
      letGo(entry);
      return false;
    },
    async start() {
      listener = listen({
        connectionString: config.store?.postgres.connectionString ?? '',
        channel: store.channel,
        clock,
        onNotify(payload) {
          let msg: { node?: string; assigned?: string[]; breaker?: string } = {};
          try {
            msg = JSON.parse(payload) as typeof msg;
          } catch {
            return;
          }
          const mine = (msg.assigned ?? []).some((a) => agents.has(a));
          kick({ tail: msg.node !== node && !msg.breaker, claim: mine, breakers: msg.breaker !== undefined && msg.node !== node });
        },
        onState(up) {
          listening = up;
          // Notifications sent while the channel was down are lost: catch up now.
          if (up) kick({ tail: true, claim: true, expire: true });
        },
      });
      await breakers.start();
      // This node's leases from an earlier life: that process is gone, so its attempts crashed.
      await expire(true);
      kick({ tail: true, claim: true, expire: true });
      ticker = every(clock, 1_000, () => {
        ticks++;
        kick({ tail: true, claim: true, expire: true, breakers: true, sweep: ticks % SWEEP_EVERY_TICKS === 0 });
      });
      renewer = every(clock, Math.max(100, Math.floor(leaseMs / 3)), () => void renew());
    },
    async stop() {
      stopped = true;
      ticker?.stop();
      renewer?.stop();
      await running?.catch(() => {});
      await listener?.close();
      try {
        await store.pool.query(`UPDATE ${store.schema}.tasks SET lease_until = 0 WHERE lease_owner = $1`, [node]);
      } catch {
        // The leases run out by themselves.
      }
      held.clear();
    },
    async take(id, force) {
      if (held.has(id)) return true;
      let res: Awaited<ReturnType<typeof sql.take>>;
      try {
        res = await sql.take(id, now(), leaseMs, force);
      } catch (err) {
        throw unavailable(config.store?.postgres.connectionString ?? '', err);
      }
      if (!res) return tasks.get(id) !== undefined;
      if (!res.taken) return false;
      takenFrom.set(id, res.before);
      adopt(res.row);
      return true;
    },
    async lookup(id) {
      const known = tasks.get(id);
      if (known) return known;
      if (typeof id !== 'string') return undefined;
      // This process's own last writes first, so the row is not older than what it recorded.
      await store.durable().catch(() => {});
      const row = await sql.row(id).catch(() => undefined);
      if (!row) return undefined;
      const t = taskOfRow(row);
      const entry = tasks.get(id) ?? { id, order: -1, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: [] };
      // A finished one is answered from the row; an unfinished one joins the table, and the tail brings its records.
      if (entry.order === -1 && !TERMINAL.has(t.ctx.status)) {
        const added = tasks.add({ id, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: [] });
        kick({ tail: true });
        return added;
      }
      return entry;
    },
    untake(id) {
      if (!takenFrom.has(id)) return;
      const before = takenFrom.get(id);
      takenFrom.delete(id);
      if (before === node) return;
      held.delete(id);
      const entry = tasks.get(id);
      if (entry) letGo(entry);
      void sql.release(id).catch(() => {});
    },
    async reserveKey(key, id) {
      try {
        return await sql.reserveKey(key, id, now());
      } catch (err) {
        throw err instanceof WardenError ? err : unavailable(config.store?.postgres.connectionString ?? '', err);
      }
    },
    agentFailure: (agent) => breakers.failure(agent),
    onAgentRecord: (r) => breakers.onRecord(r),
    mayProbe: (agent) => breakers.mayProbe(agent),
    get up() {
      return dbUp && listening && store.healthy;
    },
  };
}
