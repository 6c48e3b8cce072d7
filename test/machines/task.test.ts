// The task machine against a small reference model, plus a few worked examples.
// Time is simulated: events carry `at = clock.now()` and timers fire only on `clock.increment`.
// The model runs against a full XState Actor and against the runtime's stepper (machine-stepper.ts),
// which must behave alike: same records, deadlines, timers and snapshots.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createActor, SimulatedClock, type InspectionEvent } from 'xstate';
import { taskMachine, type TaskContext, type TaskDecision, type TaskEmitted, type TaskInput } from '../../machines/task.ts';
import { decideRetry } from '../../src/policy/decide.ts';
import { createStepper } from '../../src/runtime/machine-stepper.ts';
import type { TaskActor } from '../../src/runtime/tasks.ts';
import {
  ERROR_KINDS,
  TERMINAL_STATUSES,
  type BackoffOptions,
  type ErrorKind,
  type TaskError,
  type TaskStatus,
  type TransitionFact,
} from '../../src/types.ts';

type TaskMachine = typeof taskMachine;

const NEVER_RETRIED: readonly ErrorKind[] = ['auth', 'not_found', 'cancelled', 'budget'];
const MAX_TIMEOUT_MS = 8_000;
const AGENTS = ['coder', 'coder-2'] as const;

/** The machine as it is shipped, or with the delays the runtime provides (deadline minus now),
 * or with those delays and stepped as the runtime steps tasks (no Actor). */
type DelayMode = 'default' | 'provided' | 'stepped';

function machineFor(mode: DelayMode, clock: SimulatedClock): TaskMachine {
  if (mode === 'default') return taskMachine;
  const remaining = (deadline: number | undefined) => Math.max(0, (deadline ?? 0) - clock.now());
  return taskMachine.provide({
    delays: {
      retryDelay: ({ context }) => remaining(context.retryAt),
      attemptDeadline: ({ context }) => remaining(context.deadlineAt),
    },
  });
}

interface Harness {
  actor: TaskActor;
  clock: SimulatedClock;
  facts: TransitionFact[];
  deadlines: number[];
}

function harness(input: TaskInput, mode: DelayMode = 'default'): Harness {
  const clock = new SimulatedClock();
  const facts: TransitionFact[] = [];
  const deadlines: number[] = [];
  const on = (e: TaskEmitted) => (e.type === 'transition' ? facts.push(e.fact) : deadlines.push(e.attempt));
  if (mode === 'stepped') {
    const stepper = createStepper(machineFor(mode, clock), { clock, emit: (_self, e) => on(e as TaskEmitted) });
    const actor = stepper.create(input.id, input);
    actor.start();
    return { actor, clock, facts, deadlines };
  }
  const actor = createActor(machineFor(mode, clock), { clock, input });
  actor.on('*', on);
  actor.start();
  return { actor, clock, facts, deadlines };
}

function pairs(facts: readonly TransitionFact[]): string[] {
  return facts.map((f) => `${f.from ?? '∅'}>${f.to}:${f.event}`);
}

function topState(actor: TaskActor): string {
  const value = actor.getSnapshot().value;
  return typeof value === 'string' ? value : Object.keys(value)[0] ?? '';
}

function inProgressSub(actor: TaskActor): string | undefined {
  const value = actor.getSnapshot().value;
  return typeof value === 'object' && 'IN_PROGRESS' in value ? value.IN_PROGRESS : undefined;
}

/** RETRY_WAIT keeps its timer in the child state `waiting`. */
function retryWaitSub(actor: TaskActor): string | undefined {
  const value = actor.getSnapshot().value;
  return typeof value === 'object' && 'RETRY_WAIT' in value ? value.RETRY_WAIT : undefined;
}

function taskInput(over: Partial<TaskInput> = {}): TaskInput {
  return { id: 't1', type: 'default', agent: AGENTS[0], input: { q: 1 }, maxRetries: 1, ...over };
}

/** What the runtime asks the policy and hands to FAIL (the default `retry` recovery). */
function policyDecision(
  ctx: TaskContext,
  error: TaskError,
  backoff: BackoffOptions,
  rand: number,
  agent: string,
): TaskDecision {
  const r = decideRetry({
    error,
    attempts: ctx.attempts,
    maxRetries: ctx.maxRetries,
    failureCounts: { ...ctx.failureCounts, [error.kind]: (ctx.failureCounts[error.kind] ?? 0) + 1 },
    backoff,
    rand,
    timeoutMs: ctx.timeoutMs,
    maxTimeoutMs: MAX_TIMEOUT_MS,
  });
  return r.retry ? { action: 'retry', agent, delayMs: r.delayMs, timeoutMs: r.timeoutMs } : { action: 'escalate', reason: r.reason };
}

// ---------------------------------------------------------------------------------------------
// Reference model
// ---------------------------------------------------------------------------------------------

type DeadlineTimer = 'none' | 'armed' | 'fired';

interface TaskModel {
  readonly backoff: BackoffOptions;
  now: number;
  status: TaskStatus;
  attempts: number;
  /** the budget: initial, or renewed by a human RETRY */
  maxRetries: number;
  agent: string;
  timeoutMs: number | undefined;
  failureCounts: Partial<Record<ErrorKind, number>>;
  error: TaskError | undefined;
  retryAt: number | undefined;
  deadlineAt: number | undefined;
  timer: DeadlineTimer;
  checkpoint: unknown;
  output: unknown;
  degraded: boolean;
  resolvedBy: 'human' | undefined;
}

interface ExpectedFact {
  from: string | null;
  to: string;
  event: string;
  attempt: number;
  agent: string;
  error?: TaskError;
}

interface Step {
  facts: ExpectedFact[];
  deadlines: number[];
}

const ERROR_STATES: readonly TaskStatus[] = ['FAILED', 'RETRY_WAIT', 'ESCALATED'];

function move(m: TaskModel, step: Step, to: TaskStatus, event: string): void {
  const fact: ExpectedFact = { from: m.status, to, event, attempt: m.attempts, agent: m.agent };
  if (m.error && ERROR_STATES.includes(to)) fact.error = m.error;
  step.facts.push(fact);
  m.status = to;
}

const isTerminal = (s: TaskStatus) => TERMINAL_STATUSES.includes(s);

type FailStrategy = 'policy' | 'degrade' | 'rogue';

type Op =
  | { op: 'ASSIGN' }
  | { op: 'START'; deadlineIn?: number }
  | { op: 'HEARTBEAT'; deadlineIn?: number }
  | { op: 'SUCCEED'; offset: number }
  | { op: 'CHECKPOINT'; offset: number; data: number }
  | {
      op: 'FAIL';
      offset: number;
      kind: ErrorKind;
      retryAfterMs?: number;
      rand: number;
      strategy: FailStrategy;
      reassign: boolean;
    }
  | { op: 'CANCEL' }
  | { op: 'RETRY'; attempts?: number }
  | { op: 'RESOLVE'; output: string }
  | { op: 'TICK'; ms: number }
  /** time to exactly one side of the armed deadline: the retry timer's or the attempt's (-1, 0, +1 ms) */
  | { op: 'EDGE'; delta: -1 | 0 | 1 }
  /** after a restore: re-arm timers (only meaningful with the runtime's delays) */
  | { op: 'RESUME' };

class TaskCommand implements fc.Command<TaskModel, Harness> {
  constructor(readonly o: Op) {}

  check(): boolean {
    return true; // every command may arrive in every state; the machine must cope
  }

  toString(): string {
    return JSON.stringify(this.o);
  }

  run(m: TaskModel, h: Harness): void {
    const before = h.actor.getSnapshot();
    const wasTerminal = isTerminal(m.status);
    const step: Step = { facts: [], deadlines: [] };
    h.facts.length = 0;
    h.deadlines.length = 0;
    const o = this.o;
    const at = m.now;

    switch (o.op) {
      case 'ASSIGN':
        if (m.status === 'PENDING') move(m, step, 'ASSIGNED', 'ASSIGN');
        h.actor.send({ type: 'ASSIGN' });
        break;
      case 'START': {
        const deadlineAt = o.deadlineIn === undefined ? undefined : at + o.deadlineIn;
        if (m.status === 'ASSIGNED') {
          m.attempts += 1;
          m.deadlineAt = deadlineAt;
          m.timer = deadlineAt === undefined ? 'none' : 'armed';
          move(m, step, 'IN_PROGRESS', 'START');
        }
        h.actor.send(deadlineAt === undefined ? { type: 'START', at } : { type: 'START', at, deadlineAt });
        break;
      }
      case 'HEARTBEAT': {
        const deadlineAt = o.deadlineIn === undefined ? undefined : at + o.deadlineIn;
        if (m.status === 'IN_PROGRESS') {
          m.deadlineAt = deadlineAt;
          m.timer = deadlineAt === undefined ? 'none' : 'armed';
        }
        h.actor.send(deadlineAt === undefined ? { type: 'HEARTBEAT', at } : { type: 'HEARTBEAT', at, deadlineAt });
        break;
      }
      case 'SUCCEED': {
        const attempt = m.attempts + o.offset;
        if (m.status === 'IN_PROGRESS' && o.offset === 0) {
          m.output = `out-${attempt}`;
          m.error = undefined;
          m.timer = 'none';
          move(m, step, 'SUCCEEDED', 'SUCCEED');
        }
        h.actor.send({ type: 'SUCCEED', attempt, output: `out-${attempt}` });
        break;
      }
      case 'CHECKPOINT': {
        const attempt = m.attempts + o.offset;
        if (m.status === 'IN_PROGRESS' && o.offset === 0) m.checkpoint = o.data;
        h.actor.send({ type: 'CHECKPOINT', attempt, data: o.data });
        break;
      }
      case 'FAIL': {
        const attempt = m.attempts + o.offset;
        const error: TaskError =
          o.retryAfterMs === undefined ? { kind: o.kind, message: `boom ${o.kind}` } : { kind: o.kind, message: 'slow down', retryAfterMs: o.retryAfterMs };
        const ctx = h.actor.getSnapshot().context;
        const nextAgent = o.reassign ? AGENTS.find((a) => a !== ctx.agent) ?? ctx.agent : ctx.agent;
        let decision: TaskDecision;
        if (o.strategy === 'degrade') decision = { action: 'degrade', output: { partial: attempt } };
        // A strategy that ignores the budget: the machine must enforce it anyway.
        else if (o.strategy === 'rogue') decision = { action: 'retry', agent: nextAgent, delayMs: Math.round(o.rand * 20) };
        else decision = policyDecision(ctx, error, m.backoff, o.rand, nextAgent);

        const live = m.status === 'IN_PROGRESS' && o.offset === 0;
        if (live && o.strategy === 'policy') {
          // Cross-check the decision shape against the rules the model knows.
          const counts = (m.failureCounts[o.kind] ?? 0) + 1;
          const retryable =
            !NEVER_RETRIED.includes(o.kind) && m.attempts <= m.maxRetries && !(o.kind === 'validation' && counts > 1);
          expect(decision.action).toBe(retryable ? 'retry' : 'escalate');
        }
        if (live) {
          m.failureCounts = { ...m.failureCounts, [o.kind]: (m.failureCounts[o.kind] ?? 0) + 1 };
          m.error = error;
          m.timer = 'none';
          move(m, step, 'FAILED', 'FAIL');
          // A budget error is never retried, whatever a strategy decided.
          if (decision.action === 'retry' && m.attempts <= m.maxRetries && o.kind !== 'budget') {
            m.agent = decision.agent;
            m.retryAt = at + decision.delayMs;
            m.timeoutMs = decision.timeoutMs ?? m.timeoutMs;
            move(m, step, 'RETRY_WAIT', 'FAIL');
            if (decision.delayMs === 0) move(m, step, 'ASSIGNED', 'FAIL');
          } else if (decision.action === 'degrade') {
            m.output = decision.output;
            m.degraded = true;
            move(m, step, 'SUCCEEDED', 'FAIL');
          } else {
            move(m, step, 'ESCALATED', 'FAIL');
          }
        }
        h.actor.send({ type: 'FAIL', attempt, at, error, decision });
        if (live && o.strategy === 'policy' && NEVER_RETRIED.includes(o.kind)) {
          // Never retried: this one attempt is the last before a human looks.
          expect(h.actor.getSnapshot().context.status).toBe('ESCALATED');
          expect(h.facts.map((f) => f.to)).toEqual(['FAILED', 'ESCALATED']);
        }
        break;
      }
      case 'CANCEL':
        if (!isTerminal(m.status)) {
          m.timer = 'none';
          move(m, step, 'CANCELLED', 'CANCEL');
        }
        h.actor.send({ type: 'CANCEL', reason: 'operator' });
        break;
      case 'RETRY':
        if (m.status === 'ESCALATED') {
          m.maxRetries = m.attempts + (o.attempts ?? 1) - 1;
          m.failureCounts = {};
          m.retryAt = undefined;
          move(m, step, 'ASSIGNED', 'RETRY');
        }
        h.actor.send(o.attempts === undefined ? { type: 'RETRY' } : { type: 'RETRY', attempts: o.attempts });
        break;
      case 'RESOLVE':
        if (m.status === 'ESCALATED') {
          m.output = o.output;
          m.resolvedBy = 'human';
          move(m, step, 'SUCCEEDED', 'RESOLVE');
        }
        h.actor.send({ type: 'RESOLVE', output: o.output });
        break;
      case 'RESUME':
        if (m.status === 'IN_PROGRESS') m.timer = m.deadlineAt === undefined ? 'none' : 'armed';
        // RETRY_WAIT re-arms its timer in its child state `waiting`: not a state change, so no record.
        h.actor.send({ type: 'RESUME' });
        break;
      case 'TICK':
        tick(m, h, step, o.ms);
        break;
      case 'EDGE': {
        const edge = m.status === 'RETRY_WAIT' ? m.retryAt : m.status === 'IN_PROGRESS' && m.timer === 'armed' ? m.deadlineAt : undefined;
        if (edge !== undefined && edge + o.delta > m.now) tick(m, h, step, edge + o.delta - m.now);
        break;
      }
    }

    verify(m, h, step);
    if (wasTerminal) {
      // Terminal states absorb everything: not even a new snapshot.
      expect(h.actor.getSnapshot()).toBe(before);
    }
  }
}

function tick(m: TaskModel, h: Harness, step: Step, ms: number): void {
  m.now += ms;
  if (m.status === 'IN_PROGRESS' && m.timer === 'armed' && m.deadlineAt !== undefined && m.now >= m.deadlineAt) {
    m.timer = 'fired';
    step.deadlines.push(m.attempts);
  }
  if (m.status === 'RETRY_WAIT' && m.retryAt !== undefined && m.now >= m.retryAt) move(m, step, 'ASSIGNED', 'TIMER');
  h.clock.increment(ms);
}

function verify(m: TaskModel, h: Harness, step: Step): void {
  const snap = h.actor.getSnapshot();
  const c = snap.context;
  const facts = h.facts;
  // Each change starts where the previous one ended.
  for (let i = 1; i < facts.length; i++) expect(facts[i]?.from).toBe(facts[i - 1]?.to);
  // The budget: never more than maxRetries + 1 attempts (maxRetries as renewed by a human RETRY).
  expect(c.attempts).toBeLessThanOrEqual(m.maxRetries + 1);
  // One comparison per step: much faster than one `expect` per field, and the diff shows them all.
  const actual = {
    facts: facts.map(({ from, to, event, attempt, agent, error }) => (error ? { from, to, event, attempt, agent, error } : { from, to, event, attempt, agent })),
    deadlines: h.deadlines,
    state: topState(h.actor),
    sub: inProgressSub(h.actor),
    retrySub: retryWaitSub(h.actor),
    status: c.status,
    done: snap.status === 'done',
    attempts: c.attempts,
    maxRetries: c.maxRetries,
    agent: c.agent,
    timeoutMs: c.timeoutMs,
    failureCounts: c.failureCounts,
    checkpoint: c.checkpoint,
    output: c.output,
    degraded: c.degraded ?? false,
    resolvedBy: c.resolvedBy,
    retryAt: m.status === 'RETRY_WAIT' ? c.retryAt : undefined,
    deadlineAt: m.status === 'IN_PROGRESS' ? c.deadlineAt : undefined,
  };
  expect(actual).toEqual({
    facts: step.facts,
    deadlines: step.deadlines,
    state: m.status,
    sub: m.status === 'IN_PROGRESS' ? { none: 'untimed', armed: 'timed', fired: 'expired' }[m.timer] : undefined,
    retrySub: m.status === 'RETRY_WAIT' ? 'waiting' : undefined,
    status: m.status,
    done: isTerminal(m.status),
    attempts: m.attempts,
    maxRetries: m.maxRetries,
    agent: m.agent,
    timeoutMs: m.timeoutMs,
    failureCounts: m.failureCounts,
    checkpoint: m.checkpoint,
    output: m.output,
    degraded: m.degraded,
    resolvedBy: m.resolvedBy,
    retryAt: m.status === 'RETRY_WAIT' ? m.retryAt : undefined,
    deadlineAt: m.status === 'IN_PROGRESS' ? m.deadlineAt : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const offsetArb = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-2, -1, 1) });
const deadlineArb = fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined, freq: 3 });

const failArb = fc
  .record({
    offset: offsetArb,
    kind: fc.constantFrom(...ERROR_KINDS),
    retryAfterMs: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
    rand: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    strategy: fc.oneof(
      { weight: 8, arbitrary: fc.constant<FailStrategy>('policy') },
      { weight: 1, arbitrary: fc.constant<FailStrategy>('degrade') },
      { weight: 2, arbitrary: fc.constant<FailStrategy>('rogue') },
    ),
    reassign: fc.boolean(),
  })
  .map(({ retryAfterMs, ...rest }): Op =>
    rest.kind === 'rate_limit' && retryAfterMs !== undefined ? { op: 'FAIL', ...rest, retryAfterMs } : { op: 'FAIL', ...rest },
  );

// Weighted so that CANCEL and RESOLVE do not end most runs early, and failures are common.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'ASSIGN' }) },
  { weight: 10, arbitrary: deadlineArb.map((deadlineIn): Op => (deadlineIn === undefined ? { op: 'START' } : { op: 'START', deadlineIn })) },
  { weight: 4, arbitrary: deadlineArb.map((deadlineIn): Op => (deadlineIn === undefined ? { op: 'HEARTBEAT' } : { op: 'HEARTBEAT', deadlineIn })) },
  { weight: 3, arbitrary: fc.constantFrom(0, 0, -1, 1).map((offset): Op => ({ op: 'SUCCEED', offset })) },
  { weight: 2, arbitrary: fc.tuple(offsetArb, fc.nat(99)).map(([offset, data]): Op => ({ op: 'CHECKPOINT', offset, data })) },
  { weight: 16, arbitrary: failArb },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'CANCEL' }) },
  {
    weight: 6,
    arbitrary: fc
      .option(fc.integer({ min: 1, max: 3 }), { nil: undefined })
      .map((attempts): Op => (attempts === undefined ? { op: 'RETRY' } : { op: 'RETRY', attempts })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }).map((output): Op => ({ op: 'RESOLVE', output })) },
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 120 }).map((ms): Op => ({ op: 'TICK', ms })) },
  { weight: 6, arbitrary: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1).map((delta): Op => ({ op: 'EDGE', delta })) },
);

function commandsFor(mode: DelayMode) {
  // RESUME re-arms timers from "deadline minus now": only the runtime's delays make that right.
  const ops = mode !== 'default' ? fc.oneof({ weight: 12, arbitrary: opArb }, { weight: 1, arbitrary: fc.constant<Op>({ op: 'RESUME' }) }) : opArb;
  return fc.commands([ops.map((o) => new TaskCommand(o))], { maxCommands: 80, size: 'max' });
}

const backoffArb: fc.Arbitrary<BackoffOptions> = fc.record({
  initialMs: fc.constantFrom(0, 5, 30),
  factor: fc.constantFrom(1, 2),
  maxMs: fc.constantFrom(0, 50, 200),
  jitter: fc.constantFrom<BackoffOptions['jitter']>('none', 'full'),
});

describe('task machine against a reference model', () => {
  // XState warns on every event sent to a finished actor; the model sends many on purpose.
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    for (const [message] of warn.mock.calls) expect(String(message)).toMatch(/sent to stopped actor/);
    warn.mockRestore();
  });

  it.each<DelayMode>(['default', 'provided', 'stepped'])('random command sequences (%s delays)', (mode) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.option(fc.constantFrom(100, 1000), { nil: undefined }),
        backoffArb,
        commandsFor(mode),
        (maxRetries, timeoutMs, backoff, cmds) => {
          const input = taskInput(timeoutMs === undefined ? { maxRetries } : { maxRetries, timeoutMs });
          fc.modelRun(() => {
            const h = harness(input, mode);
            // The creating record; then the runtime assigns at once, as `submit` does.
            expect(h.facts).toEqual([{ kind: 'task', id: 't1', from: null, to: 'PENDING', event: 'SUBMIT', attempt: 0, agent: AGENTS[0] }]);
            h.actor.send({ type: 'ASSIGN' });
            expect(pairs(h.facts)).toEqual(['∅>PENDING:SUBMIT', 'PENDING>ASSIGNED:ASSIGN']);
            h.facts.length = 0;
            const model: TaskModel = {
              backoff,
              now: 0,
              status: 'ASSIGNED',
              attempts: 0,
              maxRetries,
              agent: AGENTS[0],
              timeoutMs,
              failureCounts: {},
              error: undefined,
              retryAt: undefined,
              deadlineAt: undefined,
              timer: 'none',
              checkpoint: undefined,
              output: undefined,
              degraded: false,
              resolvedBy: undefined,
            };
            return { model, real: h };
          }, cmds);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Worked examples
// ---------------------------------------------------------------------------------------------

const SERVER: TaskError = { kind: 'server', message: 'HTTP 503', status: 503 };
const NONE_BACKOFF: BackoffOptions = { initialMs: 100, factor: 2, maxMs: 1000, jitter: 'none' };

function failWithPolicy(h: Harness, error: TaskError, agent: string = AGENTS[0]): TaskDecision {
  const ctx = h.actor.getSnapshot().context;
  const decision = policyDecision(ctx, error, NONE_BACKOFF, 0.5, agent);
  h.actor.send({ type: 'FAIL', attempt: ctx.attempts, at: h.clock.now(), error, decision });
  return decision;
}

describe('task machine examples', () => {
  it('happy path emits one record per state, starting with the creating one', () => {
    const h = harness(taskInput());
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    h.actor.send({ type: 'SUCCEED', attempt: 1, output: 'done' });
    expect(pairs(h.facts)).toEqual(['∅>PENDING:SUBMIT', 'PENDING>ASSIGNED:ASSIGN', 'ASSIGNED>IN_PROGRESS:START', 'IN_PROGRESS>SUCCEEDED:SUCCEED']);
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.actor.getSnapshot().output).toBeUndefined();
    expect(h.actor.getSnapshot().context.output).toBe('done');
  });

  it.each(NEVER_RETRIED)('%s escalates after exactly one attempt, whatever the budget', (kind) => {
    const h = harness(taskInput({ maxRetries: 4 }));
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    const decision = failWithPolicy(h, { kind, message: 'no' });
    expect(decision.action).toBe('escalate');
    const c = h.actor.getSnapshot().context;
    expect(c.status).toBe('ESCALATED');
    expect(c.attempts).toBe(1);
    expect(pairs(h.facts).slice(-2)).toEqual(['IN_PROGRESS>FAILED:FAIL', 'FAILED>ESCALATED:FAIL']);
    expect(h.facts.at(-1)?.error).toEqual({ kind, message: 'no' });
  });

  it('retries after the backoff: RETRY_WAIT until retryAt, then ASSIGNED on the timer, reassigned', () => {
    const h = harness(taskInput({ maxRetries: 2 }));
    h.actor.send({ type: 'ASSIGN' });
    h.clock.increment(10);
    h.actor.send({ type: 'START', at: 10 });
    const decision = failWithPolicy(h, SERVER, AGENTS[1]);
    expect(decision).toEqual({ action: 'retry', agent: AGENTS[1], delayMs: 100, timeoutMs: undefined });
    expect(h.actor.getSnapshot().context.retryAt).toBe(110);
    expect(h.actor.getSnapshot().value).toEqual({ RETRY_WAIT: 'waiting' });
    h.clock.increment(99);
    expect(topState(h.actor)).toBe('RETRY_WAIT');
    h.clock.increment(1);
    expect(topState(h.actor)).toBe('ASSIGNED');
    expect(h.actor.getSnapshot().context.agent).toBe(AGENTS[1]);
    expect(pairs(h.facts).slice(-3)).toEqual(['IN_PROGRESS>FAILED:FAIL', 'FAILED>RETRY_WAIT:FAIL', 'RETRY_WAIT>ASSIGNED:TIMER']);
  });

  it('RESUME in RETRY_WAIT re-arms the timer without a record; ASSIGNED still comes at retryAt', () => {
    const h = harness(taskInput({ maxRetries: 2 }), 'provided');
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    failWithPolicy(h, SERVER);
    expect(h.actor.getSnapshot().context.retryAt).toBe(100);
    h.clock.increment(40);
    h.facts.length = 0;
    h.actor.send({ type: 'RESUME' });
    expect(h.facts).toEqual([]);
    expect(h.actor.getSnapshot().value).toEqual({ RETRY_WAIT: 'waiting' });
    h.clock.increment(59);
    expect(topState(h.actor)).toBe('RETRY_WAIT');
    h.clock.increment(1);
    expect(topState(h.actor)).toBe('ASSIGNED');
    expect(pairs(h.facts)).toEqual(['RETRY_WAIT>ASSIGNED:TIMER']);
  });

  it('a zero delay re-dispatches at once, FAILED and RETRY_WAIT both recorded', () => {
    const h = harness(taskInput());
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    h.actor.send({ type: 'FAIL', attempt: 1, at: 0, error: SERVER, decision: { action: 'retry', agent: 'x', delayMs: 0 } });
    expect(topState(h.actor)).toBe('ASSIGNED');
    expect(pairs(h.facts).slice(-3)).toEqual(['IN_PROGRESS>FAILED:FAIL', 'FAILED>RETRY_WAIT:FAIL', 'RETRY_WAIT>ASSIGNED:FAIL']);
  });

  it('the budget holds even when a strategy keeps saying retry', () => {
    const h = harness(taskInput({ maxRetries: 1 }));
    h.actor.send({ type: 'ASSIGN' });
    for (let attempt = 1; attempt <= 2; attempt++) {
      h.actor.send({ type: 'START', at: 0 });
      h.actor.send({ type: 'FAIL', attempt, at: 0, error: SERVER, decision: { action: 'retry', agent: 'a', delayMs: 0 } });
    }
    expect(topState(h.actor)).toBe('ESCALATED');
    expect(h.actor.getSnapshot().context.attempts).toBe(2);
  });

  it('a human RETRY grants one more attempt by default, or as many as asked', () => {
    const h = harness(taskInput({ maxRetries: 0 }));
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    failWithPolicy(h, SERVER);
    expect(topState(h.actor)).toBe('ESCALATED');
    h.actor.send({ type: 'RETRY' });
    expect(h.actor.getSnapshot().context).toMatchObject({ status: 'ASSIGNED', maxRetries: 1, failureCounts: {} });
    h.actor.send({ type: 'START', at: 0 });
    expect(failWithPolicy(h, SERVER).action).toBe('escalate');
    expect(topState(h.actor)).toBe('ESCALATED');
    h.actor.send({ type: 'RETRY', attempts: 3 });
    expect(h.actor.getSnapshot().context.maxRetries).toBe(4);
    for (let i = 0; i < 2; i++) {
      h.actor.send({ type: 'START', at: h.clock.now() });
      expect(failWithPolicy(h, SERVER).action).toBe('retry');
      h.clock.increment(1000);
    }
    h.actor.send({ type: 'START', at: h.clock.now() });
    expect(failWithPolicy(h, SERVER).action).toBe('escalate');
    expect(h.actor.getSnapshot().context.attempts).toBe(5);
  });

  it('a human RETRY asking for 0 or fewer attempts still grants one (the budget never goes below the attempts made)', () => {
    const h = harness(taskInput({ maxRetries: 0 }));
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    failWithPolicy(h, SERVER);
    h.actor.send({ type: 'RETRY', attempts: 0 });
    expect(h.actor.getSnapshot().context).toMatchObject({ status: 'ASSIGNED', attempts: 1, maxRetries: 1 });
    h.actor.send({ type: 'START', at: 0 });
    failWithPolicy(h, SERVER);
    h.actor.send({ type: 'RETRY', attempts: -5 });
    expect(h.actor.getSnapshot().context).toMatchObject({ status: 'ASSIGNED', attempts: 2, maxRetries: 2 });
  });

  it('RESOLVE from ESCALATED succeeds with the human result', () => {
    const h = harness(taskInput({ maxRetries: 0 }));
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    failWithPolicy(h, SERVER);
    h.actor.send({ type: 'RESOLVE', output: 42 });
    expect(h.actor.getSnapshot().context).toMatchObject({ status: 'SUCCEEDED', output: 42, resolvedBy: 'human' });
  });

  it('degrade is a success with degraded: true', () => {
    const h = harness(taskInput());
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    h.actor.send({ type: 'FAIL', attempt: 1, at: 0, error: SERVER, decision: { action: 'degrade', output: 'cached' } });
    expect(h.actor.getSnapshot().context).toMatchObject({ status: 'SUCCEEDED', output: 'cached', degraded: true });
    expect(pairs(h.facts).slice(-2)).toEqual(['IN_PROGRESS>FAILED:FAIL', 'FAILED>SUCCEEDED:FAIL']);
  });

  it('stale SUCCEED, FAIL and CHECKPOINT of an earlier attempt change nothing', () => {
    const h = harness(taskInput({ maxRetries: 3 }));
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0 });
    h.actor.send({ type: 'FAIL', attempt: 1, at: 0, error: SERVER, decision: { action: 'retry', agent: 'a', delayMs: 0 } });
    h.actor.send({ type: 'START', at: 0 });
    const before = h.actor.getSnapshot();
    h.facts.length = 0;
    h.actor.send({ type: 'SUCCEED', attempt: 1, output: 'late' });
    h.actor.send({ type: 'FAIL', attempt: 1, at: 0, error: SERVER, decision: { action: 'escalate', reason: 'x' } });
    h.actor.send({ type: 'CHECKPOINT', attempt: 3, data: 'future' });
    expect(h.actor.getSnapshot().context).toEqual(before.context);
    expect(h.facts).toEqual([]);
    h.actor.send({ type: 'CHECKPOINT', attempt: 2, data: 'page 3' });
    expect(h.actor.getSnapshot().context.checkpoint).toBe('page 3');
  });

  it.each<DelayMode>(['default', 'provided', 'stepped'])('deadline fires once when time passes deadlineAt (%s delays)', (mode) => {
    const h = harness(taskInput(), mode);
    h.actor.send({ type: 'ASSIGN' });
    h.clock.increment(5);
    h.actor.send({ type: 'START', at: 5, deadlineAt: 55 });
    h.clock.increment(49);
    expect(h.deadlines).toEqual([]);
    h.clock.increment(1);
    expect(h.deadlines).toEqual([1]);
    expect(inProgressSub(h.actor)).toBe('expired');
    expect(topState(h.actor)).toBe('IN_PROGRESS');
    h.clock.increment(500);
    expect(h.deadlines).toEqual([1]);
  });

  it('a heartbeat pushes the deadline back; one without deadline disarms it', () => {
    const h = harness(taskInput());
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0, deadlineAt: 50 });
    h.clock.increment(40);
    h.actor.send({ type: 'HEARTBEAT', at: 40, deadlineAt: 90 });
    h.clock.increment(49);
    expect(h.deadlines).toEqual([]);
    h.clock.increment(1);
    expect(h.deadlines).toEqual([1]);
    h.actor.send({ type: 'HEARTBEAT', at: 90 });
    expect(inProgressSub(h.actor)).toBe('untimed');
    h.clock.increment(10_000);
    expect(h.deadlines).toEqual([1]);
  });

  it('a heartbeat is not a state change: it emits no transition record', () => {
    const h = harness(taskInput());
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0, deadlineAt: 50 });
    h.facts.length = 0;
    h.actor.send({ type: 'HEARTBEAT', at: 10, deadlineAt: 60 });
    expect(h.facts).toEqual([]);
  });

  it('no deadline event once the attempt has ended', () => {
    const h = harness(taskInput());
    h.actor.send({ type: 'ASSIGN' });
    h.actor.send({ type: 'START', at: 0, deadlineAt: 50 });
    h.actor.send({ type: 'SUCCEED', attempt: 1, output: 1 });
    h.clock.increment(100);
    expect(h.deadlines).toEqual([]);
  });

  it('CANCEL wins from every non-terminal state', () => {
    const reach: Record<Exclude<TaskStatus, 'FAILED' | 'SUCCEEDED' | 'CANCELLED'>, (h: Harness) => void> = {
      PENDING: () => {},
      ASSIGNED: (h) => h.actor.send({ type: 'ASSIGN' }),
      IN_PROGRESS: (h) => {
        h.actor.send({ type: 'ASSIGN' });
        h.actor.send({ type: 'START', at: 0, deadlineAt: 10 });
      },
      RETRY_WAIT: (h) => {
        h.actor.send({ type: 'ASSIGN' });
        h.actor.send({ type: 'START', at: 0 });
        h.actor.send({ type: 'FAIL', attempt: 1, at: 0, error: SERVER, decision: { action: 'retry', agent: 'a', delayMs: 10 } });
      },
      ESCALATED: (h) => {
        h.actor.send({ type: 'ASSIGN' });
        h.actor.send({ type: 'START', at: 0 });
        h.actor.send({ type: 'FAIL', attempt: 1, at: 0, error: SERVER, decision: { action: 'escalate', reason: 'x' } });
      },
    };
    for (const [status, go] of Object.entries(reach)) {
      const h = harness(taskInput());
      go(h);
      expect(topState(h.actor)).toBe(status);
      h.actor.send({ type: 'CANCEL' });
      expect(h.facts.at(-1)).toMatchObject({ from: status, to: 'CANCELLED', event: 'CANCEL' });
      h.clock.increment(1000);
      expect(h.deadlines).toEqual([]);
      expect(topState(h.actor)).toBe('CANCELLED');
    }
  });
});

describe('task machine inspection', () => {
  it('streams @xstate.actor, events and snapshots of the task actor to `inspect`', () => {
    const events: InspectionEvent[] = [];
    const clock = new SimulatedClock();
    const actor = createActor(taskMachine, { clock, input: taskInput(), inspect: (ev) => events.push(ev) });
    actor.start();
    actor.send({ type: 'ASSIGN' });
    actor.send({ type: 'START', at: 0 });
    const mine = events.filter((e) => e.actorRef === actor);
    expect(mine.filter((e) => e.type === '@xstate.actor')).toHaveLength(1);
    expect(mine.every((e) => e.rootId === actor.sessionId)).toBe(true);
    const sent = mine.flatMap((e) => (e.type === '@xstate.event' ? [e.event.type] : []));
    expect(sent).toEqual(['xstate.init', 'ASSIGN', 'START']);
    const statuses = mine.flatMap((e) =>
      e.type === '@xstate.snapshot' ? [(e.snapshot as ReturnType<TaskActor['getSnapshot']>).context.status] : [],
    );
    expect(statuses).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS']);
  });
});
