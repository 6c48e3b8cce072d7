// Several processes on one PostgreSQL: which tasks this process holds (cluster-leases.ts), the rounds
// that claim work for the agents it declares and take over the expired leases of dead processes
// (cluster-rounds.ts), the journal tail that keeps the local task table in step (cluster-tail.ts),
// and what operators' commands need (cluster-commands.ts). Woken by LISTEN/NOTIFY; a 1 s tick is the
// only polling. warden.ts wires it in only when the PostgreSQL store is configured.
import type { TransitionRecord } from '../types.ts';
import { listen, type Listener } from '../store/postgres-listen.ts';
import { clusterSql } from '../store/postgres-cluster-sql.ts';
import { every, type Repeating } from './clock.ts';
import { createClusterBreakers } from './cluster-breaker.ts';
import { createClusterCommands, type ClusterCommands } from './cluster-commands.ts';
import type { ClusterDeps } from './cluster-deps.ts';
import { createLeases } from './cluster-leases.ts';
import { createMirror } from './cluster-mirror.ts';
import { createRounds, type Rounds, type Wanted } from './cluster-rounds.ts';
import { createTail } from './cluster-tail.ts';
import type { Engine } from './engine.ts';
import type { TaskEntry, TaskTable } from './tasks.ts';

export interface Cluster extends ClusterCommands {
  /** whether this process holds the task (the store writes its row with this node's lease) */
  holds(id: string): boolean;
  /** the store dropped writes to these tasks: another process owns them now */
  fenced(ids: string[]): void;
  /** a local record of a task, just journaled */
  onRecord(r: TransitionRecord): void;
  /** a task became ASSIGNED here: true when this process runs it, else it goes back to the pool */
  keeps(entry: TaskEntry, r: TransitionRecord): boolean;
  start(): Promise<void>;
  /** gives every lease back (others take the tasks over at once) and stops listening */
  stop(): Promise<void>;
  /** a failure the local breaker counted without changing state: the cluster counts it too */
  agentFailure(agent: string): void;
  /** a local agent record (circuit changes go to the cluster) */
  onAgentRecord(r: TransitionRecord): void;
  mayProbe(agent: string): boolean;
  /** false while the database or the notification channel is lost */
  readonly up: boolean;
}

const RESTING = new Set(['ESCALATED', 'SUCCEEDED', 'CANCELLED']);
const SWEEP_EVERY_TICKS = 60;

export function createCluster(d: ClusterDeps): Cluster {
  const { config, store, tasks, agents, engine, clock, logger } = d;
  const node = config.node;
  const sql = clusterSql(store.pool, store.schema, node);
  const leases = createLeases(d, sql);
  const { held } = leases;
  const mirror = createMirror({ tasks, engine, held, settled: d.settled });
  const breakers = createClusterBreakers({ store, node, agents, engine, clock, logger });
  const tail = createTail({ sql, node, clock, from: store.restoredGid, apply: mirror.apply });
  const rounds = createRounds({ cluster: d, sql, leases, breakers, tail });
  const commands = createClusterCommands(d, sql, leases, () => rounds.kick({ tail: true }));
  let listener: Listener | undefined;
  let ticker: Repeating | undefined;
  let renewer: Repeating | undefined;
  let listening = false;

  async function start() {
    listener = listen({
      connectionString: config.store?.postgres.connectionString ?? '',
      channel: store.channel,
      clock,
      onNotify(payload) {
        const wanted = wantedBy(payload, node, agents);
        if (wanted) rounds.kick(wanted);
      },
      onState(up) {
        listening = up;
        // Notifications sent while the channel was down are lost: catch up now.
        if (up) rounds.kick({ tail: true, claim: true, expire: true });
      },
    });
    await breakers.start();
    // This node's leases from an earlier life: that process is gone, so its attempts crashed.
    await rounds.expire(true);
    rounds.kick({ tail: true, claim: true, expire: true });
    let ticks = 0;
    ticker = every(clock, 1_000, () => {
      ticks++;
      rounds.kick({ tail: true, claim: true, expire: true, breakers: true, sweep: ticks % SWEEP_EVERY_TICKS === 0 });
    });
    renewer = every(clock, Math.max(100, Math.floor(config.leaseMs / 3)), () => void leases.renew().then((ok) => ok || rounds.markDown()));
  }

  async function stop() {
    ticker?.stop();
    renewer?.stop();
    await rounds.stop();
    await listener?.close();
    await giveBack(store, node);
    held.clear();
  }

  return {
    ...commands,
    holds: (id) => held.has(id),
    fenced(ids) {
      for (const id of ids) forget(id, held, engine, tasks);
      logger.warn({ tasks: ids.length, node }, 'writes to tasks another process took over were dropped');
      rounds.kick({ tail: true });
    },
    onRecord(r) {
      if (!RESTING.has(r.to)) return;
      held.delete(r.id);
      rounds.kick({ claim: true });
    },
    keeps(entry: TaskEntry, r: TransitionRecord) {
      if (runsHere(entry, r, d, held, rounds)) return true;
      leases.letGo(entry);
      return false;
    },
    start,
    stop,
    agentFailure: (agent) => breakers.failure(agent),
    onAgentRecord: (r) => breakers.onRecord(r),
    mayProbe: (agent) => breakers.mayProbe(agent),
    get up() {
      return rounds.dbUp && listening && store.healthy;
    },
  };
}

/** What a notification asks of the rounds; nothing for a payload that is not JSON. */
function wantedBy(payload: string, node: string, agents: ClusterDeps['agents']): Partial<Wanted> | undefined {
  let msg: { node?: string; assigned?: string[]; breaker?: string } = {};
  try {
    msg = JSON.parse(payload) as typeof msg;
  } catch {
    return undefined;
  }
  const mine = (msg.assigned ?? []).some((a) => agents.has(a));
  return { tail: msg.node !== node && !msg.breaker, claim: mine, breakers: msg.breaker !== undefined && msg.node !== node };
}

/** Whether a task that became ASSIGNED here runs here; a fresh submit it takes on is held from now on. */
function runsHere(entry: TaskEntry, r: TransitionRecord, d: ClusterDeps, held: Map<string, number>, rounds: Rounds): boolean {
  const slot = d.agents.get(entry.context.agent);
  if (held.has(entry.id) && slot) return true;
  // A fresh submit runs where it was submitted when that process has room; else any process may claim it.
  if (slot && r.from === 'PENDING' && rounds.freeSlots(slot) > 0) {
    held.set(entry.id, d.clock.now());
    return true;
  }
  return false;
}

/** A task another process took over (the store dropped this one's writes to it) is no longer run here. */
function forget(id: string, held: Map<string, number>, engine: Engine, tasks: TaskTable) {
  held.delete(id);
  // Its START may be among the dropped lines: the attempt must not run here as well.
  engine.drop(id);
  const entry = tasks.get(id);
  if (entry) {
    entry.actor?.stop();
    entry.actor = undefined;
  }
}

/** Ends every lease this node holds, so other processes take its tasks over at once. */
async function giveBack(store: ClusterDeps['store'], node: string) {
  try {
    await store.pool.query(`UPDATE ${store.schema}.tasks SET lease_until = 0 WHERE lease_owner = $1`, [node]);
  } catch {
    // The leases run out by themselves.
  }
}
