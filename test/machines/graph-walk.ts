// Walks a machine with @xstate/graph and tells which of its transitions the walk took. The machine's
// transitions are listed from its definition (every state node's `on`, `after` and `always`), so a
// transition added to a machine is on the list at once; the walk's edges are replayed on a live actor
// whose inspector reports the transition definitions each microstep took.
import { getAdjacencyMap, getStateNodes } from '@xstate/graph';
import { createActor, type AnyEventObject, type AnyStateMachine, type AnyStateNode, type SnapshotFrom } from 'xstate';

interface Definition {
  source: AnyStateNode;
  eventType: string;
  target?: readonly AnyStateNode[];
}

export interface Walk {
  /** `source --event--> targets` of every transition in the definition the walk never took */
  untaken: string[];
  /** ids of state nodes the walk never entered */
  unvisited: string[];
  edges: number;
}

export function describe(t: Definition, index: number): string {
  const targets = t.target?.map((n) => n.id).join(',') ?? '(internal)';
  return `${t.source.id} --${t.eventType || 'always'}#${index}--> ${targets}`;
}

export function definitions(machine: AnyStateMachine): Map<Definition, string> {
  const out = new Map<Definition, string>();
  for (const node of [machine.root, ...getStateNodes(machine.root)]) {
    for (const defs of node.transitions.values()) defs.forEach((d: Definition, i: number) => out.set(d, describe(d, i)));
    (node.always ?? []).forEach((d: Definition, i: number) => out.set(d, describe(d, i)));
  }
  return out;
}

/** The event types of the machine's delayed transitions (`xstate.after.*`), to drive its timers. */
export function timerEvents(machine: AnyStateMachine): AnyEventObject[] {
  const types = new Set<string>();
  for (const d of definitions(machine).keys()) if (d.eventType.startsWith('xstate.after.')) types.add(d.eventType);
  return [...types].map((type) => ({ type }));
}

type Taken = Set<Definition>;

function recorder(taken: Taken, entered: Set<string>) {
  return (e: { type: string }) => {
    if (e.type !== '@xstate.microstep') return;
    for (const t of (e as unknown as { _transitions: Definition[] })._transitions) taken.add(t);
    const snap = (e as unknown as { snapshot: { _nodes?: AnyStateNode[] } }).snapshot;
    for (const n of snap._nodes ?? []) entered.add(n.id);
  };
}

/**
 * `seeds(input)` adds start states beside the initial one: states a machine rests in only after a
 * restore (a task restored in FAILED), which no event from the initial state leads to.
 */
export function walk<M extends AnyStateMachine>(
  machine: M,
  inputs: unknown[],
  events: (s: SnapshotFrom<M>) => AnyEventObject[],
  serialize: (s: SnapshotFrom<M>) => string,
  seeds: (input: unknown) => Array<SnapshotFrom<M>> = () => [],
): Walk {
  const taken: Taken = new Set();
  const entered = new Set<string>();
  let edges = 0;
  for (const input of inputs) {
    // The initial step (and its eventless transitions) first, then every edge of the adjacency map.
    const logic: AnyStateMachine = machine;
    const first = createActor(logic, { input, inspect: recorder(taken, entered) });
    first.start();
    for (const n of (first.getSnapshot() as { _nodes: AnyStateNode[] })._nodes) entered.add(n.id);
    first.stop();
    const maps = [undefined, ...seeds(input)].map((fromState) =>
      getAdjacencyMap(machine, {
        input,
        fromState: fromState as never,
        events: events as never,
        serializeState: ((s: SnapshotFrom<M>) => serialize(s)) as never,
        serializeEvent: ((e: AnyEventObject) => JSON.stringify(e)) as never,
      }),
    );
    for (const { state, transitions } of maps.flatMap((m) => Object.values(m))) {
      if ((state as { status: string }).status !== 'active') continue; // a final state takes no event
      for (const { event } of Object.values(transitions) as Array<{ event: AnyEventObject }>) {
        edges++;
        const actor = createActor(logic, { input, snapshot: logic.getPersistedSnapshot(state as never), inspect: recorder(taken, entered) });
        actor.start();
        actor.send(event as never);
        actor.stop();
      }
    }
  }
  const untaken = [...definitions(machine)].filter(([d]) => !taken.has(d)).map(([, name]) => name);
  const all = [machine.root, ...getStateNodes(machine.root)].map((n) => n.id);
  return { untaken, unvisited: all.filter((id) => !entered.has(id)), edges };
}
