// The agent machine's circuit breaker, against a reference model.
// Standalone actor (no supervisor); time is simulated and every event carries `at = clock.now()`.
// The machine knows nothing of concurrency or calls in flight: the runtime (src/runtime/engine.ts) counts
// those, sends ACQUIRE only for a HALF_OPEN probe, and RELEASE only for a CLOSED failure or a probe's end.
// The harness and the model here do the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, type Actor } from 'xstate';
import { admits, admitsCall, agentMachine, type AgentContext, type AgentEmitted, type CallOutcome } from '../../machines/agent.ts';
import { CIRCUIT_STATES, type BreakerOptions, type CircuitState, type TransitionFact } from '../../src/types.ts';

type AgentActor = Actor<typeof agentMachine>;

interface Harness {
  actor: AgentActor;
  clock: SimulatedClock;
  facts: TransitionFact[];
  /** the runtime's side, for the examples' `acquire`/`release`: the slot limit and the calls in flight */
  concurrency: number;
  inFlight: number;
}

/** `provided`: the delays the runtime provides (deadline minus now), which RESUME needs to re-arm a timer right. */
function harness(breaker: BreakerOptions, concurrency: number, delays: 'default' | 'provided' = 'default'): Harness {
  const clock = new SimulatedClock();
  const machine =
    delays === 'default'
      ? agentMachine
      : agentMachine.provide({ delays: { openDelay: ({ context }) => Math.max(0, (context.openUntil ?? 0) - clock.now()) } });
  const actor = createActor(machine, { clock, input: { name: 'coder', breaker, restart: 'permanent' } });
  const h: Harness = { actor, clock, facts: [], concurrency, inFlight: 0 };
  actor.on('transition', (e: AgentEmitted) => h.facts.push(e.fact));
  actor.start();
  actor.send({ type: 'STARTED', at: clock.now() });
  return h;
}

const isCircuit = (state: string): boolean => (CIRCUIT_STATES as readonly string[]).includes(state);

/** The circuit region's snapshot value: a state name, or `{ OPEN: 'cooling' }` (OPEN keeps its timer in a child). */
const circuitValue = (h: Harness): unknown => {
  const value = h.actor.getSnapshot().value;
  return typeof value === 'object' ? value.circuit : undefined;
};

/** The snapshot value a circuit state must have. */
const expectedCircuitValue = (state: CircuitState): unknown => (state === 'OPEN' ? { OPEN: 'cooling' } : state);

/** The circuit region's state, by name; '' unless the snapshot value is exactly the one that state must have. */
const circuitOf = (h: Harness): string => {
  const value = circuitValue(h);
  const state = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (Object.keys(value)[0] ?? '') : '';
  return isCircuit(state) && JSON.stringify(value) === JSON.stringify(expectedCircuitValue(state as CircuitState)) ? state : '';
};

const pairs = (facts: readonly TransitionFact[]) => facts.map((f) => `${f.from ?? '∅'}>${f.to}:${f.event}`);

/** The runtime's rule (engine `release`): whether the end of a call admitted at `epoch` is told to the breaker. */
function sendsRelease(c: AgentContext, epoch: number, outcome: CallOutcome): boolean {
  const probe = c.circuit === 'HALF_OPEN' && epoch === c.epoch;
  return probe || (c.circuit === 'CLOSED' && outcome === 'failure');
}

/** Admits and acquires as the dispatcher does (engine `drain`); returns the epoch to release with, or undefined if refused. */
function acquire(h: Harness): number | undefined {
  const c = h.actor.getSnapshot().context;
  if (!admitsCall(c, h.inFlight, h.concurrency)) return undefined;
  if (c.circuit === 'HALF_OPEN') h.actor.send({ type: 'ACQUIRE', at: h.clock.now() });
  h.inFlight += 1;
  return c.epoch;
}

/** Frees the slot and tells the breaker what the runtime tells it (engine `release`). */
function release(h: Harness, epoch: number, outcome: CallOutcome): void {
  h.inFlight -= 1;
  if (sendsRelease(h.actor.getSnapshot().context, epoch, outcome)) {
    h.actor.send({ type: 'RELEASE', at: h.clock.now(), outcome, epoch });
  }
}

/** One call start to finish at the current time. */
function call(h: Harness, outcome: CallOutcome): void {
  const epoch = acquire(h);
  expect(epoch).toBeDefined();
  release(h, epoch ?? -1, outcome);
}

const BREAKER: BreakerOptions = { failureThreshold: 3, windowMs: 1000, openMs: 500, halfOpenProbes: 2, successThreshold: 2 };

// ---------------------------------------------------------------------------------------------
// Reference model
// ---------------------------------------------------------------------------------------------

interface Call {
  /** as read from the context at admission, sent back on RELEASE */
  epoch: number;
  /** the model's own count of HALF_OPEN periods at admission */
  period: number;
  admittedIn: CircuitState;
}

interface AgentModel {
  readonly breaker: BreakerOptions;
  /** the runtime's slot limit: counted here, as the runtime counts it, never by the machine */
  readonly concurrency: number;
  now: number;
  circuit: CircuitState;
  /** counted failures since the circuit last closed */
  failures: number[];
  openUntil: number | undefined;
  /** how many times the circuit has gone HALF_OPEN */
  period: number;
  probeSuccesses: number;
  /** admitted and not yet released */
  calls: Call[];
}

interface ExpectedFact {
  from: string | null;
  to: string;
  event: string;
}

const isProbe = (m: AgentModel, c: Call) => c.admittedIn === 'HALF_OPEN' && c.period === m.period;
const openProbes = (m: AgentModel) => m.calls.filter((c) => isProbe(m, c)).length;

/** The breaker's answer alone: what the machine's `admits` must say (the agent is always RUNNING here). */
function modelBreakerAdmits(m: AgentModel): boolean {
  if (m.circuit === 'CLOSED') return true;
  return m.circuit === 'HALF_OPEN' && openProbes(m) < m.breaker.halfOpenProbes;
}

/** The runtime's `admitsNow`: a free slot and the breaker's yes. */
function modelAdmits(m: AgentModel): boolean {
  return m.calls.length < m.concurrency && modelBreakerAdmits(m);
}

function enter(m: AgentModel, out: ExpectedFact[], to: CircuitState, event: string): void {
  out.push({ from: m.circuit, to, event });
  m.circuit = to;
  if (to === 'CLOSED') m.failures = [];
  if (to === 'OPEN') m.openUntil = m.now + m.breaker.openMs;
  if (to === 'HALF_OPEN') {
    m.period += 1;
    m.probeSuccesses = 0;
  }
}

type Op =
  | { op: 'ACQUIRE' }
  | { op: 'ACQUIRE_UNCHECKED' }
  | { op: 'RELEASE'; pick: number; outcome: CallOutcome }
  | { op: 'TICK'; ms: number }
  /** time to exactly one side of an edge: the oldest counted failure leaving the window, or the open period ending */
  | { op: 'EDGE'; edge: 'window' | 'open'; delta: -1 | 0 | 1 }
  | { op: 'RESET' };

class AgentCommand implements fc.Command<AgentModel, Harness> {
  constructor(readonly o: Op) {}

  check(m: Readonly<AgentModel>): boolean {
    return this.o.op !== 'RELEASE' || m.calls.length > 0;
  }

  toString(): string {
    return JSON.stringify(this.o);
  }

  run(m: AgentModel, h: Harness): void {
    const out: ExpectedFact[] = [];
    h.facts.length = 0;
    const o = this.o;
    const at = m.now;
    const before = h.actor.getSnapshot().context;

    switch (o.op) {
      case 'ACQUIRE': {
        // The breaker's check agrees with the model; the slot count is the runtime's (the model's).
        expect(admits(before)).toBe(modelBreakerAdmits(m));
        // The runtime's own rule (engine.ts dispatches through admitsCall), not a copy of it.
        const yes = admitsCall(before, m.calls.length, m.concurrency);
        expect(yes).toBe(modelAdmits(m));
        if (!yes) break;
        expect(before.circuit).not.toBe('OPEN');
        // Only a probe is told to the machine.
        if (before.circuit === 'HALF_OPEN') h.actor.send({ type: 'ACQUIRE', at });
        m.calls.push({ epoch: before.epoch, period: m.period, admittedIn: m.circuit });
        break;
      }
      case 'ACQUIRE_UNCHECKED': {
        // A stray ACQUIRE the runtime would not send: outside HALF_OPEN, or past the probe limit.
        // The machine must ignore it. (A HALF_OPEN ACQUIRE the breaker admits is a probe: ACQUIRE covers that.)
        if (before.circuit === 'HALF_OPEN' && admits(before)) break;
        h.actor.send({ type: 'ACQUIRE', at });
        break;
      }
      case 'RELEASE': {
        const index = o.pick % m.calls.length;
        const c = m.calls[index];
        if (!c) throw new Error('check() guarantees a call');
        m.calls.splice(index, 1);
        // The runtime's rule on the machine's context agrees with the model's idea of what counts.
        const counts = (m.circuit === 'CLOSED' && o.outcome === 'failure') || (m.circuit === 'HALF_OPEN' && isProbe(m, c));
        const sends = sendsRelease(before, c.epoch, o.outcome);
        expect(sends).toBe(counts);
        if (m.circuit === 'CLOSED' && o.outcome === 'failure') {
          m.failures = [...m.failures.filter((t) => at - t < m.breaker.windowMs), at];
          if (m.failures.length >= m.breaker.failureThreshold) enter(m, out, 'OPEN', 'RELEASE');
        } else if (m.circuit === 'HALF_OPEN' && isProbe(m, c)) {
          if (o.outcome === 'failure') enter(m, out, 'OPEN', 'RELEASE');
          else if (o.outcome === 'success') {
            m.probeSuccesses += 1;
            if (m.probeSuccesses >= m.breaker.successThreshold) enter(m, out, 'CLOSED', 'RELEASE');
          }
        }
        if (sends) h.actor.send({ type: 'RELEASE', at, outcome: o.outcome, epoch: c.epoch });
        break;
      }
      case 'TICK':
        tick(m, h, out, o.ms);
        break;
      case 'EDGE': {
        const edge = o.edge === 'window' ? (m.failures[0] === undefined ? undefined : m.failures[0] + m.breaker.windowMs) : m.circuit === 'OPEN' ? m.openUntil : undefined;
        if (edge !== undefined && edge + o.delta > m.now) tick(m, h, out, edge + o.delta - m.now);
        break;
      }
      case 'RESET':
        // A reset of a CLOSED circuit clears its failures without a state change, so without a record.
        if (m.circuit === 'CLOSED') m.failures = [];
        else enter(m, out, 'CLOSED', 'RESET');
        h.actor.send({ type: 'RESET', at });
        break;
    }

    const c = h.actor.getSnapshot().context;
    // The machine's own probe count never passes the limit (the model's count is compared below).
    if (c.circuit === 'HALF_OPEN') expect(c.probes).toBeLessThanOrEqual(m.breaker.halfOpenProbes);
    expect({
      facts: h.facts.map(({ from, to, event }) => ({ from, to, event })),
      circuit: circuitValue(h),
      status: c.circuit,
      lifecycle: c.lifecycle,
      probes: c.circuit === 'HALF_OPEN' ? c.probes : undefined,
      probeSuccesses: c.circuit === 'HALF_OPEN' ? c.probeSuccesses : undefined,
      openUntil: c.circuit === 'CLOSED' ? undefined : c.openUntil,
    }).toEqual({
      facts: out,
      circuit: expectedCircuitValue(m.circuit),
      status: m.circuit,
      lifecycle: 'RUNNING',
      probes: m.circuit === 'HALF_OPEN' ? openProbes(m) : undefined,
      probeSuccesses: m.circuit === 'HALF_OPEN' ? m.probeSuccesses : undefined,
      openUntil: m.circuit === 'CLOSED' ? undefined : m.openUntil,
    });
  }
}

function tick(m: AgentModel, h: Harness, out: ExpectedFact[], ms: number): void {
  m.now += ms;
  if (m.circuit === 'OPEN' && m.openUntil !== undefined && m.now >= m.openUntil) enter(m, out, 'HALF_OPEN', 'TIMER');
  h.clock.increment(ms);
}

const breakerArb: fc.Arbitrary<BreakerOptions> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  windowMs: fc.integer({ min: 5, max: 200 }),
  openMs: fc.integer({ min: 1, max: 100 }),
  halfOpenProbes: fc.integer({ min: 1, max: 3 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Op>({ op: 'ACQUIRE' }) },
  { weight: 4, arbitrary: fc.constant<Op>({ op: 'ACQUIRE_UNCHECKED' }) },
  {
    weight: 16,
    arbitrary: fc
      .record({ pick: fc.nat(7), outcome: fc.constantFrom<CallOutcome>('failure', 'failure', 'success', 'success', 'ignore') })
      .map(({ pick, outcome }): Op => ({ op: 'RELEASE', pick, outcome })),
  },
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 80 }).map((ms): Op => ({ op: 'TICK', ms })) },
  {
    weight: 6,
    arbitrary: fc
      .record({ edge: fc.constantFrom<'window' | 'open'>('window', 'open'), delta: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1) })
      .map((e): Op => ({ op: 'EDGE', ...e })),
  },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'RESET' }) },
);

describe('agent circuit breaker against a reference model', () => {
  it('random interleavings of ACQUIRE, RELEASE, time and RESET', () => {
    fc.assert(
      fc.property(
        breakerArb,
        fc.integer({ min: 1, max: 4 }),
        fc.commands([opArb.map((o) => new AgentCommand(o))], { maxCommands: 100, size: 'max' }),
        (breaker, concurrency, cmds) => {
          fc.modelRun(() => {
            const h = harness(breaker, concurrency);
            expect(pairs(h.facts)).toEqual(['∅>CLOSED:INIT', '∅>STARTING:INIT', 'STARTING>RUNNING:STARTED']);
            h.facts.length = 0;
            const model: AgentModel = {
              breaker,
              concurrency,
              now: 0,
              circuit: 'CLOSED',
              failures: [],
              openUntil: undefined,
              period: 0,
              probeSuccesses: 0,
              calls: [],
            };
            return { model, real: h };
          }, cmds);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Worked examples
// ---------------------------------------------------------------------------------------------

describe('agent circuit breaker examples', () => {
  it('opens on the failureThreshold-th failure inside the window, not before', () => {
    const h = harness(BREAKER, 4);
    call(h, 'failure');
    h.clock.increment(400);
    call(h, 'failure');
    expect(circuitOf(h)).toBe('CLOSED');
    h.clock.increment(599); // the first failure is 999 ms old: still inside
    call(h, 'failure');
    expect(circuitOf(h)).toBe('OPEN');
    expect(h.actor.getSnapshot().context).toMatchObject({ openedAt: 999, openUntil: 1499 });
    expect(pairs(h.facts).slice(-1)).toEqual(['CLOSED>OPEN:RELEASE']);
  });

  it('failures that fall out of the window do not count; successes and ignored calls never do', () => {
    const h = harness(BREAKER, 4);
    call(h, 'failure');
    h.clock.increment(500);
    call(h, 'failure');
    h.clock.increment(500); // the first failure is exactly windowMs old: out
    call(h, 'failure');
    call(h, 'success');
    call(h, 'ignore');
    expect(circuitOf(h)).toBe('CLOSED');
    call(h, 'failure');
    expect(circuitOf(h)).toBe('OPEN');
  });

  it('admits nothing while OPEN, and goes HALF_OPEN exactly openMs later', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    call(h, 'failure');
    expect(circuitOf(h)).toBe('OPEN');
    expect(acquire(h)).toBeUndefined();
    // A stray ACQUIRE or RELEASE (the runtime sends neither while OPEN) changes nothing.
    const before = h.actor.getSnapshot().context;
    h.actor.send({ type: 'ACQUIRE', at: h.clock.now() });
    h.actor.send({ type: 'RELEASE', at: h.clock.now(), outcome: 'success', epoch: before.epoch });
    h.actor.send({ type: 'RELEASE', at: h.clock.now(), outcome: 'failure', epoch: before.epoch });
    expect(h.actor.getSnapshot().context).toEqual(before);
    expect(admits(h.actor.getSnapshot().context)).toBe(false);
    h.clock.increment(499);
    expect(circuitOf(h)).toBe('OPEN');
    h.clock.increment(1);
    expect(circuitOf(h)).toBe('HALF_OPEN');
    expect(pairs(h.facts).slice(-1)).toEqual(['OPEN>HALF_OPEN:TIMER']);
  });

  it('lets halfOpenProbes probes through at once; a released probe frees its slot', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1, successThreshold: 3 }, 10);
    call(h, 'failure');
    h.clock.increment(500);
    const a = acquire(h);
    const b = acquire(h);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(acquire(h)).toBeUndefined();
    h.actor.send({ type: 'ACQUIRE', at: h.clock.now() }); // the guard refuses too
    expect(h.actor.getSnapshot().context.probes).toBe(2);
    expect(h.inFlight).toBe(2);
    release(h, a ?? -1, 'success');
    expect(circuitOf(h)).toBe('HALF_OPEN');
    expect(acquire(h)).toBeDefined();
    expect(acquire(h)).toBeUndefined();
  });

  it('a probe failure re-opens for another openMs', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    call(h, 'failure');
    h.clock.increment(500);
    call(h, 'failure');
    expect(circuitOf(h)).toBe('OPEN');
    expect(h.actor.getSnapshot().context.openUntil).toBe(1000);
    expect(pairs(h.facts).slice(-3)).toEqual(['CLOSED>OPEN:RELEASE', 'OPEN>HALF_OPEN:TIMER', 'HALF_OPEN>OPEN:RELEASE']);
    h.clock.increment(499);
    expect(circuitOf(h)).toBe('OPEN');
    h.clock.increment(1);
    expect(circuitOf(h)).toBe('HALF_OPEN');
  });

  it('successThreshold probe successes close the circuit', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    call(h, 'failure');
    h.clock.increment(500);
    call(h, 'success');
    expect(circuitOf(h)).toBe('HALF_OPEN');
    call(h, 'ignore');
    expect(circuitOf(h)).toBe('HALF_OPEN');
    call(h, 'success');
    expect(circuitOf(h)).toBe('CLOSED');
    expect(pairs(h.facts).slice(-1)).toEqual(['HALF_OPEN>CLOSED:RELEASE']);
    expect(h.actor.getSnapshot().context.failures).toEqual([]);
  });

  it('a call admitted before the circuit opened is not a probe: its failure does not re-open', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    const old = acquire(h);
    call(h, 'failure');
    h.clock.increment(500);
    expect(circuitOf(h)).toBe('HALF_OPEN');
    expect(old).toBe(0);
    // The runtime does not tell the breaker of it ...
    expect(sendsRelease(h.actor.getSnapshot().context, old ?? -1, 'failure')).toBe(false);
    release(h, old ?? -1, 'failure');
    expect(circuitOf(h)).toBe('HALF_OPEN');
    expect(h.inFlight).toBe(0);
    // ... and the machine would not take it for a probe if it were told.
    h.actor.send({ type: 'RELEASE', at: h.clock.now(), outcome: 'failure', epoch: old ?? -1 });
    expect(circuitOf(h)).toBe('HALF_OPEN');
    expect(h.actor.getSnapshot().context).toMatchObject({ probes: 0, probeSuccesses: 0 });
  });

  it('CLOSED counts only failure releases: a stray success or ignore release changes nothing', () => {
    const h = harness({ ...BREAKER, failureThreshold: 2 }, 4);
    call(h, 'failure');
    const before = h.actor.getSnapshot().context;
    h.actor.send({ type: 'RELEASE', at: h.clock.now(), outcome: 'success', epoch: before.epoch });
    h.actor.send({ type: 'RELEASE', at: h.clock.now(), outcome: 'ignore', epoch: before.epoch });
    expect(h.actor.getSnapshot().context).toEqual(before);
    call(h, 'failure');
    expect(circuitOf(h)).toBe('OPEN');
  });

  // "Never admits past the concurrency limit" left this file with the machine's `inFlight`: the runtime counts
  // concurrency (engine `admitsNow`), and test/runtime/concurrency.test.ts asserts the limit end to end.

  it('admits nothing unless RUNNING', () => {
    const clock = new SimulatedClock();
    const actor = createActor(agentMachine, { clock, input: { name: 'a', breaker: BREAKER, restart: 'permanent' } });
    actor.start();
    expect(admits(actor.getSnapshot().context)).toBe(false);
    actor.send({ type: 'STARTED', at: 0 });
    expect(admits(actor.getSnapshot().context)).toBe(true);
  });

  it('a HALF_OPEN circuit admits no probe unless RUNNING: the ACQUIRE guard refuses it', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    call(h, 'failure');
    h.clock.increment(500);
    expect(circuitOf(h)).toBe('HALF_OPEN');
    h.actor.send({ type: 'STOP', at: h.clock.now() });
    expect(h.actor.getSnapshot().context.lifecycle).toBe('STOPPED');
    expect(admits(h.actor.getSnapshot().context)).toBe(false);
    expect(acquire(h)).toBeUndefined();
    h.actor.send({ type: 'ACQUIRE', at: h.clock.now() });
    expect(h.actor.getSnapshot().context.probes).toBe(0);
  });

  // A region-level RESET with reenter once took the parallel root's lifecycle region down with it.
  it('RESET touches only the circuit: a RUNNING agent stays RUNNING', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    call(h, 'failure');
    h.facts.length = 0;
    h.actor.send({ type: 'RESET', at: 10 });
    expect(h.actor.getSnapshot().context.lifecycle).toBe('RUNNING');
    expect(pairs(h.facts)).toEqual(['OPEN>CLOSED:RESET']);
  });

  // The OPEN timer lives in the child `cooling`: RESUME (after a restore) re-arms it without re-entering OPEN.
  it('RESUME while OPEN re-arms the timer without a record; HALF_OPEN still comes at openUntil', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4, 'provided');
    call(h, 'failure');
    expect(circuitValue(h)).toEqual({ OPEN: 'cooling' });
    h.clock.increment(200);
    h.facts.length = 0;
    h.actor.send({ type: 'RESUME' });
    expect(h.facts).toEqual([]);
    expect(circuitValue(h)).toEqual({ OPEN: 'cooling' });
    expect(h.actor.getSnapshot().context).toMatchObject({ openedAt: 0, openUntil: 500, epoch: 1 });
    h.clock.increment(299);
    expect(circuitOf(h)).toBe('OPEN');
    h.clock.increment(1);
    expect(circuitOf(h)).toBe('HALF_OPEN');
    expect(pairs(h.facts)).toEqual(['OPEN>HALF_OPEN:TIMER']);
  });

  it('RESET of a CLOSED circuit clears its failures with no record and leaves the lifecycle alone', () => {
    const h = harness({ ...BREAKER, failureThreshold: 2 }, 4);
    call(h, 'failure');
    expect(h.actor.getSnapshot().context.failures).toEqual([0]);
    h.facts.length = 0;
    h.actor.send({ type: 'RESET', at: 0 });
    expect(h.facts).toEqual([]);
    expect(h.actor.getSnapshot().context).toMatchObject({ failures: [], circuit: 'CLOSED', lifecycle: 'RUNNING' });
    call(h, 'failure'); // one failure since the reset: below the threshold
    expect(circuitOf(h)).toBe('CLOSED');
  });

  it('RESET closes from OPEN and cancels the pending HALF_OPEN timer', () => {
    const h = harness({ ...BREAKER, failureThreshold: 1 }, 4);
    call(h, 'failure');
    h.actor.send({ type: 'RESET', at: 10 });
    expect(circuitOf(h)).toBe('CLOSED');
    h.clock.increment(1000);
    expect(circuitOf(h)).toBe('CLOSED');
    expect(pairs(h.facts.filter((f) => isCircuit(f.to))).slice(-2)).toEqual(['CLOSED>OPEN:RELEASE', 'OPEN>CLOSED:RESET']);
  });
});
