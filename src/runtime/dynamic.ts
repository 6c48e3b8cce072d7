// Agents that come and go while the warden runs (OTP start_child / delete_child): addAgent under a
// supervisor or into a pool, removeAgent of a stopped one; the tasks a removed (or vanished) agent
// leaves behind follow their policy (rehome.ts). Nothing here decides a restart: the supervisor machine does.
import type { ResolvedAgentConfig, ResolvedConfig, ResolvedSupervisorConfig } from '../config.ts';
import { isRecord } from '../config/schemas.ts';
import { WardenError } from '../errors.ts';
import type { TransitionFact, TransitionRecord } from '../types.ts';
import type { AgentHooks } from './agent-hooks.ts';
import { childConfig, declarative, DYNAMIC_AGENT_NAME, dynamicSpec, hasCode, type RestoredChildren } from './dynamic-specs.ts';
import type { AgentSlot } from './agent-slot.ts';
import { createQueue } from './queue.ts';
import { createRehoming } from './rehome.ts';
import type { SupervisorHandle } from './supervision.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export interface AddAgentOptions {
  /** the supervisor to add the agent under. @defaultValue 'root' */
  supervisor?: string;
}

export interface DynamicChildren {
  /** validates, starts the child in its supervisor's machine, registers its slot; `fresh` false when it only got its code back */
  add(name: unknown, def: unknown, opts?: AddAgentOptions): { slot: AgentSlot; fresh: boolean };
  /** asks the owning supervisor to delete a stopped dynamic child; its slot goes with the record */
  remove(name: unknown): void;
  /** the runtime's record step: a DELETE_CHILD record drops the child's slot and re-homes its tasks */
  onRecord(r: TransitionRecord): void;
  /** a task whose agent does not exist (removed, or gone from the config) */
  orphan(entry: TaskEntry): void;
  /** takes over what a restore brought back */
  adopt(restored: RestoredChildren): void;
  isDynamic(name: string): boolean;
  /** OTP terminate_child of a temporary child deletes it too: a dynamic temporary child is forgotten once stopped */
  stopped(name: string): void;
}

export function createDynamicChildren(deps: {
  config: ResolvedConfig;
  agents: Map<string, AgentSlot>;
  tree: () => SupervisorHandle | undefined;
  supervisors: ReadonlyMap<string, ResolvedSupervisorConfig>;
  hooks: AgentHooks;
  tasks: TaskTable;
  live: (entry: TaskEntry) => TaskActor | undefined;
  publish: (fact: TransitionFact) => void;
  now: () => number;
}): DynamicChildren {
  const { config, agents, supervisors } = deps;
  /** dynamic child → the supervisor (or pool) that owns it */
  const owners = new Map<string, string>();
  const awaitingCode = new Set<string>();
  const rehoming = createRehoming(deps);

  function add(name: unknown, def: unknown, opts: AddAgentOptions = {}): { slot: AgentSlot; fresh: boolean } {
    assertName(name);
    if (!isRecord(def)) throw new WardenError('invalid_input', 'def must be an object (the agent\'s settings, or { pool })', { field: 'def' });
    const tree = mustTree(deps.tree);
    const { pool, ...rest } = def;
    const sup = placeOf(config, supervisors, pool, opts.supervisor);
    const existing = agents.get(name);
    if (existing && awaitingCode.has(name) && owners.get(name) === sup.name) return { slot: resupply(name, existing, sup, rest), fresh: false };
    if (existing || supervisors.has(name)) {
      throw new WardenError('conflict', `the name ${name} is taken by ${existing ? 'an agent' : 'a supervisor'}`, { agent: name });
    }
    const cfg = childConfig(name, sup, rest, [...agents.keys()]);
    assertRoom(tree, sup, name);
    const dyn = { name, def: declarative(rest), code: hasCode(rest), ...(sup.pool ? { pool: sup.name } : {}) };
    tree.refOf(sup.name)?.send({ type: 'START_CHILD', spec: dynamicSpec(cfg, dyn), at: deps.now() });
    const ref = tree.agentRef(name);
    if (!ref) throw new WardenError('invalid_transition', `supervisor ${sup.name} did not take agent ${name}`, { supervisor: sup.name });
    owners.set(name, sup.name);
    const slot = register(agents, deps.publish, name, ref, cfg);
    // Spawned inside the supervisor's step, before anyone listened: its first records are made here.
    deps.publish({ kind: 'agent', id: name, from: null, to: 'CLOSED', event: 'INIT', agent: name });
    deps.publish({ kind: 'agent', id: name, from: null, to: 'STARTING', event: 'INIT', agent: name });
    return { slot, fresh: true };
  }

  /** A restored child whose functions did not survive gets them back and starts. */
  function resupply(name: string, slot: AgentSlot, sup: ResolvedSupervisorConfig, def: Record<string, unknown>): AgentSlot {
    slot.cfg = childConfig(name, sup, def, [...agents.keys()]);
    awaitingCode.delete(name);
    slot.ref.send({ type: 'START', at: deps.now() });
    return slot;
  }

  function remove(name: unknown): void {
    const tree = mustTree(deps.tree);
    const slot = typeof name === 'string' ? agents.get(name) : undefined;
    if (typeof name !== 'string' || !slot) throw new WardenError('not_found', `no agent named ${String(name)}`, { agent: name });
    const owner = owners.get(name);
    if (!owner) {
      throw new WardenError('invalid_transition', `agent ${name} is declared in the config: remove it there (only agents added with addAgent can be removed)`, { agent: name });
    }
    assertStopped(name, slot);
    tree.refOf(owner)?.send({ type: 'DELETE_CHILD', child: name, at: deps.now() });
  }

  /** The child is gone from its supervisor: nothing of it is kept, and its waiting tasks move or escalate. */
  function drop(name: string) {
    const slot = agents.get(name);
    if (!slot) return;
    agents.delete(name);
    owners.delete(name);
    awaitingCode.delete(name);
    deps.hooks.forget(name);
    rehoming.leftBehind(name, slot.cfg.role);
  }

  return {
    add,
    remove,
    onRecord(r) {
      // The child's own last record (it stopped) came before this one, so nothing of it is left to record.
      if (r.kind === 'supervisor' && r.event === 'DELETE_CHILD' && r.agent) drop(r.agent);
    },
    orphan: rehoming.orphan,
    adopt(restored) {
      for (const [name, owner] of restored.owners) owners.set(name, owner);
      for (const name of restored.awaitingCode) awaitingCode.add(name);
    },
    isDynamic: (name) => owners.has(name),
    stopped(name) {
      if (owners.has(name) && agents.get(name)?.cfg.restart === 'temporary') remove(name);
    },
  };
}

function mustTree(tree: () => SupervisorHandle | undefined): SupervisorHandle {
  const t = tree();
  if (!t) throw new WardenError('not_running', 'warden is not running; call start() first');
  return t;
}

function assertName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !DYNAMIC_AGENT_NAME.test(name)) {
    throw new WardenError('invalid_input', 'name must be 1 to 64 letters, digits, "_", ".", ":" or "-"', { field: 'name' });
  }
}

/** A child joins a running supervisor only, and a pool only below its max. */
function assertRoom(tree: SupervisorHandle, sup: ResolvedSupervisorConfig, name: string): void {
  const ctx = tree.contextOf(sup.name);
  if (ctx?.status !== 'RUNNING') {
    throw new WardenError('invalid_transition', `cannot add agent ${name}: supervisor ${sup.name} is ${ctx?.status ?? 'gone'}`, { supervisor: sup.name, status: ctx?.status });
  }
  if (sup.pool && ctx.children.length >= sup.pool.max) {
    throw new WardenError('conflict', `pool ${sup.name} is full: it has its max of ${sup.pool.max} members`, { pool: sup.name, max: sup.pool.max });
  }
}

function assertStopped(name: string, slot: AgentSlot): void {
  const lifecycle = slot.ref.getSnapshot().context.lifecycle;
  if (lifecycle !== 'STOPPED' && lifecycle !== 'ESCALATED') {
    throw new WardenError('invalid_transition', `cannot remove agent ${name} while it is ${lifecycle}: stop it first (stopAgent)`, { agent: name, lifecycle });
  }
}

/** The new child's slot; from here on its machine's records reach the bus. */
function register(
  agents: Map<string, AgentSlot>,
  publish: (fact: TransitionFact) => void,
  name: string,
  ref: AgentSlot['ref'],
  cfg: ResolvedAgentConfig,
): AgentSlot {
  ref.on('transition', (e: { fact: TransitionFact }) => publish(e.fact));
  const slot: AgentSlot = { cfg, ref, queue: createQueue<string>(), running: new Set() };
  agents.set(name, slot);
  return slot;
}

/** The supervisor a new child joins: its pool, the one named, or the root. */
function placeOf(config: ResolvedConfig, supervisors: ReadonlyMap<string, ResolvedSupervisorConfig>, pool: unknown, supervisor: unknown): ResolvedSupervisorConfig {
  if (pool !== undefined) {
    const p = typeof pool === 'string' ? supervisors.get(pool) : undefined;
    if (!p?.pool) throw new WardenError('not_found', `no pool named ${String(pool)}`, { pool });
    if (supervisor !== undefined && supervisor !== pool) {
      throw new WardenError('invalid_input', `opts.supervisor: a member of pool ${String(pool)} is supervised by the pool itself`, { field: 'supervisor' });
    }
    return p;
  }
  const name = supervisor ?? config.supervisor.name;
  const s = typeof name === 'string' ? supervisors.get(name) : undefined;
  if (!s) throw new WardenError('not_found', `no supervisor named ${String(name)}`, { supervisor: name });
  if (s.pool) throw new WardenError('invalid_input', `supervisor ${s.name} is a pool: add members with { pool: '${s.name}' }`, { field: 'supervisor' });
  return s;
}
