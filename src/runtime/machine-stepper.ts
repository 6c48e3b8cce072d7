// Runs instances of one state machine with XState's own transition function instead of one full
// Actor each: the same statechart decides, with the same entry/exit order, emitted events and
// delayed transitions, but an instance is its snapshot plus a few fields. A task needs no more
// (no children, no observers), and a full Actor costs about 1.6× the CPU of a lifecycle and
// several times the memory of its snapshot. The inspector needs real actors: task-actors.ts uses
// createActor when an inspector is attached.
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { Clock, TimerHandle } from '../types.ts';

export interface SteppedActor<S, E> {
  readonly id: string;
  send(event: E): void;
  getSnapshot(): S;
  /** runs the entry actions of a new instance (a restored one has none left to run) */
  start(): SteppedActor<S, E>;
  /** cancels its timers; later events are dropped, as for a stopped Actor */
  stop(): void;
}

export interface MachineStepper<S, E, I> {
  /** a new instance in the machine's initial state, its entry actions held until start() */
  create(id: string, input: I): SteppedActor<S, E>;
  /** an instance resting in a snapshot (from `machine.resolveState`), no entry actions run */
  restore(id: string, snapshot: S): SteppedActor<S, E>;
}

/** The part of a state machine (XState's ActorLogic) a stepper calls. Its scope is the stepper's
 * own stand-in for an Actor's, which no machine type can name, hence `never`. */
export interface SteppableMachine<S, E extends EventObject, I> {
  transition(snapshot: S, event: E, scope: never): S;
  getInitialSnapshot(scope: never, input: I): S;
}

type Effect = () => void;

/** What every instance of one stepper shares: the machine, the clock, and the stand-in actor scope. */
interface Stepping<S extends AnyMachineSnapshot, E extends EventObject> {
  machine: Pick<SteppableMachine<S, E, never>, 'transition'>;
  clock: Clock;
  actorScope: never;
  /** runs `todo` with `self` as the instance they belong to */
  run(self: Instance<S, E>, todo: Effect[]): void;
  /** sets `self`'s snapshot to what `compute` makes of it, and returns the effects that deferred */
  collect(self: Instance<S, E>, compute: () => S): Effect[];
}

export function createStepper<Snapshot extends AnyMachineSnapshot, Event extends EventObject, Input>(
  machine: SteppableMachine<Snapshot, Event, Input>,
  opts: { clock: Clock; emit: (instance: SteppedActor<Snapshot, Event>, event: EventObject) => void },
): MachineStepper<Snapshot, Event, Input> {
  const s = stepping(machine, opts);
  return {
    create: (id, input) => new Instance(s, id, () => machine.getInitialSnapshot(s.actorScope, input)),
    restore: (id, snapshot) => new Instance(s, id, snapshot).start(),
  };
}

function stepping<S extends AnyMachineSnapshot, E extends EventObject>(
  machine: Pick<SteppableMachine<S, E, never>, 'transition'>,
  opts: { clock: Clock; emit: (instance: SteppedActor<S, E>, event: EventObject) => void },
): Stepping<S, E> {
  // XState's built-in actions defer their effects and read `scope.self` when the effect runs, so
  // both are swapped around each step (steps nest: an effect may send to another instance).
  let effects: Effect[] = [];
  const scheduler = {
    schedule(_source: unknown, target: Instance<S, E>, event: E, delay: number, id: string) {
      target.arm(id, event, delay);
    },
    cancel(source: Instance<S, E>, id: string) {
      source.disarm(id);
    },
    cancelAll(actor: Instance<S, E>) {
      actor.disarmAll();
    },
  };
  const scope = {
    self: undefined as unknown as Instance<S, E>,
    id: '',
    sessionId: '',
    logger: () => {},
    defer: (fn: Effect) => {
      effects.push(fn);
    },
    system: { scheduler, _sendInspectionEvent: () => {} },
    stopChild: () => {},
    emit: (event: EventObject) => {
      try {
        opts.emit(scope.self, event);
      } catch (err) {
        // as an Actor does: a throwing listener must not undo the step that emitted
        setTimeout(() => {
          throw err;
        });
      }
    },
    actionExecutor: (action: { exec?: (info: unknown, params: unknown) => void; info: unknown; params: unknown }) => {
      action.exec?.(action.info, action.params);
    },
  };
  return {
    machine,
    clock: opts.clock,
    actorScope: scope as never,
    run(self, todo) {
      const outer = scope.self;
      scope.self = self;
      try {
        for (let i = 0; i < todo.length; i++) (todo[i] as Effect)();
      } finally {
        scope.self = outer;
      }
    },
    collect(self, compute) {
      const outerSelf = scope.self;
      const outerEffects = effects;
      const mine: Effect[] = (effects = []);
      scope.self = self;
      try {
        self.snapshot = compute();
      } finally {
        effects = outerEffects;
        scope.self = outerSelf;
      }
      return mine;
    },
  };
}

// A class, not a closure per instance: tens of thousands live at once, and the methods are shared.
class Instance<S extends AnyMachineSnapshot, E extends EventObject> implements SteppedActor<S, E> {
  // Set by the constructor, directly or through collect().
  snapshot!: S;
  private pending: Effect[] | undefined;
  private queue: E[] | undefined;
  private busy = false;
  private started = false;
  private stopped = false;
  private timers: Map<string, TimerHandle> | undefined;

  constructor(
    private readonly s: Stepping<S, E>,
    readonly id: string,
    snapshot: S | ((self: Instance<S, E>) => S),
  ) {
    if (typeof snapshot !== 'function') this.snapshot = snapshot;
    else this.pending = s.collect(this, () => snapshot(this));
  }

  getSnapshot(): S {
    // The stopped copy is made only when asked for: a task put to rest is stopped and dropped unread.
    if (this.stopped && this.snapshot.status === 'active') this.snapshot = { ...this.snapshot, status: 'stopped' };
    return this.snapshot;
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    const pending = this.pending;
    this.pending = undefined;
    // As Actor.start: an event the entry effects send this instance waits until they have all run.
    this.busy = true;
    try {
      if (pending) this.s.run(this, pending);
      this.takeQueued();
    } finally {
      this.busy = false;
    }
    return this;
  }

  send(event: E): void {
    if (this.stopped || this.snapshot.status !== 'active') return;
    if (this.busy || !this.started) {
      (this.queue ??= []).push(event);
      return;
    }
    this.busy = true;
    try {
      this.take(event);
      this.takeQueued();
    } finally {
      this.busy = false;
    }
  }

  /** One macrostep: the next snapshot, then its effects. */
  private take(event: E): void {
    if (this.stopped || this.snapshot.status !== 'active') return;
    const { s } = this;
    s.run(this, s.collect(this, () => s.machine.transition(this.snapshot, event, s.actorScope)));
    if (this.snapshot.status !== 'active') this.disarmAll();
  }

  /** events sent to this instance while it was busy or not started, oldest first, as an Actor's mailbox */
  private takeQueued(): void {
    // Events queued while a batch is taken form the next batch: they come after the whole of this one.
    for (let batch = this.queue; batch; batch = this.queue) {
      this.queue = undefined;
      for (const event of batch) this.take(event);
    }
  }

  stop(): void {
    this.disarmAll();
    this.queue = undefined;
    this.stopped = true;
  }

  arm(id: string, event: E, delay: number): void {
    this.disarm(id);
    const handle = this.s.clock.setTimeout(() => {
      this.timers?.delete(id);
      this.send(event);
    }, delay);
    (this.timers ??= new Map()).set(id, handle);
  }

  disarm(id: string): void {
    const handle = this.timers?.get(id);
    if (handle === undefined) return;
    this.s.clock.clearTimeout(handle);
    this.timers?.delete(id);
  }

  disarmAll(): void {
    if (!this.timers) return;
    for (const handle of this.timers.values()) this.s.clock.clearTimeout(handle);
    this.timers = undefined;
  }
}
