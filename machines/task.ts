// One task's life. Pure: no I/O, no clock. Times arrive inside events; the runtime
// supplies the delays' implementation (remaining time until a deadline in context).
import { assign, emit, setup } from 'xstate';
import { addUsage, grantBudget, retryMisfit } from './budget.ts';
import { actorOf } from './human.ts';
import type { Actor, Budget, ErrorKind, TaskError, TaskStatus, TransitionFact, UsageTotals } from '../src/types.ts';

/** What recovery decided for a failed attempt; computed by the runtime's policy before FAIL is sent. */
export type TaskDecision =
  | { action: 'retry'; agent: string; delayMs: number; timeoutMs?: number }
  | { action: 'degrade'; output: unknown }
  | { action: 'escalate'; reason: string };

export interface TaskInput {
  id: string;
  type: string;
  agent: string;
  input: unknown;
  maxRetries: number;
  timeoutMs?: number;
  /** assign at once on creation (the runtime's submit), without waiting for an ASSIGN event */
  autoAssign?: boolean;
  /** the W3C trace context of the submit, so every attempt's span joins the submitter's trace */
  traceparent?: string;
  /** limits on what the task may use over all its attempts (its type's, overridden field by field by the submit's) */
  budget?: Budget;
}

export interface TaskContext extends TaskInput {
  status: TaskStatus;
  /** the status before the last transition: the record's `from` (set with status, in one assign) */
  prev?: TaskStatus;
  attempts: number;
  failureCounts: Partial<Record<ErrorKind, number>>;
  /** the current error: set by a failure, cleared when an attempt starts, succeeds or a human acts */
  error?: TaskError;
  /** the last failure, kept after `error` is cleared */
  lastError?: TaskError;
  output?: unknown;
  degraded?: boolean;
  resolvedBy?: 'human';
  checkpoint?: unknown;
  decision?: TaskDecision;
  /** when the last attempt failed, and when the next may start */
  failedAt?: number;
  retryAt?: number;
  /** when the running attempt times out (in-process timeout or external heartbeat) */
  deadlineAt?: number;
  startedAt?: number;
  /** the sum over finished attempts (absent on tasks saved before budgets existed: none used) */
  usage?: UsageTotals;
  /** what the attempt that just ended used, for its record */
  attemptUsage?: UsageTotals;
}

export type TaskEvent =
  | { type: 'ASSIGN' }
  | { type: 'START'; at: number; deadlineAt?: number }
  | { type: 'HEARTBEAT'; at: number; deadlineAt?: number }
  | { type: 'CHECKPOINT'; attempt: number; data: unknown }
  | { type: 'SUCCEED'; attempt: number; output: unknown; usage?: UsageTotals }
  | { type: 'FAIL'; attempt: number; at: number; error: TaskError; decision: TaskDecision; usage?: UsageTotals }
  /** `budget`: a human grants this much more than is used now, field by field */
  | ({ type: 'RETRY'; attempts?: number; budget?: Budget } & Actor)
  | ({ type: 'RESOLVE'; output: unknown } & Actor)
  /** `usage`: what the attempt the cancel cuts short used so far */
  | ({ type: 'CANCEL'; usage?: UsageTotals } & Actor)
  | { type: 'RESUME' }
  /** a decision for a task restored in FAILED (the process died between the failure and its decision) */
  | { type: 'DECIDE'; decision: TaskDecision }
  /** its agent was removed: a peer of the same role takes it, no attempt spent */
  | { type: 'REASSIGN'; agent: string }
  /** its agent was removed and no peer can take it: a human decides */
  | { type: 'ABANDON'; error: TaskError };

export type TaskEmitted = { type: 'transition'; fact: TransitionFact } | { type: 'deadline'; attempt: number };

function eventName(type: string): string {
  if (type.startsWith('xstate.after')) return 'TIMER';
  if (type === 'xstate.init') return 'SUBMIT';
  return type;
}

const ERROR_STATES: ReadonlySet<TaskStatus> = new Set(['FAILED', 'RETRY_WAIT', 'ESCALATED']);

export function taskFact(context: TaskContext, to: TaskStatus, eventType: string, event?: object): TransitionFact {
  const fact: TransitionFact = {
    kind: 'task',
    id: context.id,
    // prev is unset only at creation; an auto-assign happens in the creating step, so it is named ASSIGN.
    from: context.prev ?? null,
    to,
    event: eventType === 'xstate.init' && to !== 'PENDING' ? 'ASSIGN' : eventName(eventType),
    attempt: context.attempts,
    agent: context.agent,
  };
  if (context.error && ERROR_STATES.has(to)) fact.error = context.error;
  if (context.prev === 'IN_PROGRESS' && context.attemptUsage) fact.usage = context.attemptUsage;
  return event ? actorOf(event, fact) : fact;
}

const isCurrentAttempt = ({ context, event }: { context: TaskContext; event: TaskEvent }) =>
  'attempt' in event && event.attempt === context.attempts;

/** The usage an ending attempt adds to the task, and the attempt's own for its record. */
function ended(context: TaskContext, usage: UsageTotals | undefined): Pick<TaskContext, 'usage' | 'attemptUsage'> {
  return usage ? { usage: addUsage(context.usage, usage), attemptUsage: usage } : { attemptUsage: undefined };
}

const retryDecided = (c: TaskContext) => c.decision?.action === 'retry' && c.attempts <= c.maxRetries && c.error?.kind !== 'budget';

export const taskMachine = setup({
  types: {
    context: {} as TaskContext,
    events: {} as TaskEvent,
    input: {} as TaskInput,
    emitted: {} as TaskEmitted,
  },
  actions: {
    enter: emit(({ context, event }, to: TaskStatus) => ({
      type: 'transition' as const,
      fact: taskFact(context, to, event.type, event),
    })),
    // Transitions set status (and prev, for the record) in the same assign as the rest of their
    // changes; entry actions only emit. One context copy per transition, not two.
    moveTo: assign(({ context }, to: TaskStatus) => ({ status: to, prev: context.status })),
    begin: assign(({ context, event }) =>
      event.type === 'START'
        ? {
            status: 'IN_PROGRESS' as const,
            prev: context.status,
            attempts: context.attempts + 1,
            startedAt: event.at,
            deadlineAt: event.deadlineAt,
            error: undefined,
            attemptUsage: undefined,
          }
        : {},
    ),
    reroute: assign(({ context, event }) =>
      event.type === 'REASSIGN' ? { agent: event.agent, prev: context.status } : {},
    ),
    abandon: assign(({ context, event }) =>
      event.type === 'ABANDON' ? { status: 'ESCALATED' as const, prev: context.status, error: event.error, lastError: event.error } : {},
    ),
    // A human's retry grants a fresh budget (one attempt unless the event says more).
    renewBudget: assign(({ context, event }) => ({
      status: 'ASSIGNED' as const,
      prev: context.status,
      maxRetries: context.attempts + (event.type === 'RETRY' ? Math.max(1, Math.floor(event.attempts ?? 1)) : 1) - 1,
      failureCounts: {},
      decision: undefined,
      retryAt: undefined,
      error: undefined,
      budget: event.type === 'RETRY' && event.budget ? grantBudget(context.budget, addUsage(context.usage, undefined), event.budget) : context.budget,
    })),
  },
  guards: {
    isCurrentAttempt,
    hasDeadline: ({ context }) => context.deadlineAt !== undefined,
    autoAssign: ({ context }) => context.autoAssign === true,
    startsTimed: ({ event }) => event.type === 'START' && event.deadlineAt !== undefined,
    // Budget is enforced here as well as in policy: whatever a strategy says, a task never runs more than maxRetries + 1 attempts.
    // A budget error is never retried, and no retry starts that the rest of the budget cannot fit.
    decidedRetry: ({ context }) => retryDecided(context) && retryMisfit(context.budget, addUsage(context.usage, undefined), context.attempts) === undefined,
    retryMisfits: ({ context }) => retryDecided(context),
    decidedDegrade: ({ context }) => context.decision?.action === 'degrade',
    // A zero delay must not arm a timer (setTimeout(0) costs at least 1 ms in Node).
    retryDue: ({ context }) => (context.retryAt ?? 0) <= (context.failedAt ?? 0),
  },
  delays: {
    // Defaults relative to the failure; the runtime replaces them with "deadline minus now".
    retryDelay: ({ context }) => Math.max(0, (context.retryAt ?? 0) - (context.failedAt ?? 0)),
    attemptDeadline: ({ context }) => Math.max(0, (context.deadlineAt ?? 0) - (context.startedAt ?? 0)),
  },
}).createMachine({
  id: 'task',
  context: ({ input }) => ({ ...input, status: 'PENDING', attempts: 0, failureCounts: {} }),
  initial: 'PENDING',
  on: {
    CANCEL: {
      target: '.CANCELLED',
      actions: [{ type: 'moveTo', params: 'CANCELLED' }, assign(({ context, event }) => ({ error: undefined, ...ended(context, event.usage) }))],
    },
  },
  states: {
    PENDING: {
      entry: { type: 'enter', params: 'PENDING' },
      always: { guard: 'autoAssign', target: 'ASSIGNED', actions: { type: 'moveTo', params: 'ASSIGNED' } },
      on: { ASSIGN: { target: 'ASSIGNED', actions: { type: 'moveTo', params: 'ASSIGNED' } } },
    },
    ASSIGNED: {
      entry: { type: 'enter', params: 'ASSIGNED' },
      on: {
        // Re-entered, so the move is recorded and dispatch queues the task for its new agent.
        REASSIGN: { target: 'ASSIGNED', reenter: true, actions: 'reroute' },
        ABANDON: { target: 'ESCALATED', actions: 'abandon' },
        // Straight to the right child: no transient step for the common untimed attempt.
        START: [
          { guard: 'startsTimed', target: 'IN_PROGRESS.timed', actions: 'begin' },
          { target: 'IN_PROGRESS.untimed', actions: 'begin' },
        ],
      },
    },
    IN_PROGRESS: {
      entry: { type: 'enter', params: 'IN_PROGRESS' },
      initial: 'check',
      states: {
        check: { always: [{ guard: 'hasDeadline', target: 'timed' }, { target: 'untimed' }] },
        timed: {
          after: {
            attemptDeadline: {
              target: 'expired',
              actions: emit(({ context }) => ({ type: 'deadline' as const, attempt: context.attempts })),
            },
          },
        },
        untimed: {},
        // The runtime answers `deadline` with FAIL; until then the attempt counts as running.
        expired: {},
      },
      on: {
        // Targets the child only: IN_PROGRESS itself is not re-entered, so no new record, just a re-armed deadline.
        HEARTBEAT: {
          target: '.check',
          actions: assign(({ event }) => ({ startedAt: event.at, deadlineAt: event.deadlineAt })),
        },
        RESUME: { target: '.check' },
        CHECKPOINT: { guard: 'isCurrentAttempt', actions: assign(({ event }) => ({ checkpoint: event.data })) },
        SUCCEED: {
          guard: 'isCurrentAttempt',
          target: 'SUCCEEDED',
          actions: assign(({ context, event }) => ({
            status: 'SUCCEEDED' as const,
            prev: context.status,
            output: event.output,
            error: undefined,
            ...ended(context, event.usage),
          })),
        },
        FAIL: {
          guard: 'isCurrentAttempt',
          target: 'FAILED',
          actions: assign(({ context, event }) => ({
            status: 'FAILED' as const,
            prev: context.status,
            error: event.error,
            lastError: event.error,
            decision: event.decision,
            failedAt: event.at,
            ...ended(context, event.usage),
            failureCounts: {
              ...context.failureCounts,
              [event.error.kind]: (context.failureCounts[event.error.kind] ?? 0) + 1,
            },
          })),
        },
      },
    },
    FAILED: {
      entry: { type: 'enter', params: 'FAILED' },
      always: [
        {
          guard: 'decidedRetry',
          target: 'RETRY_WAIT',
          actions: assign(({ context }) => {
            const d = context.decision as Extract<TaskDecision, { action: 'retry' }>;
            return {
              status: 'RETRY_WAIT' as const,
              prev: context.status,
              agent: d.agent,
              retryAt: (context.failedAt ?? 0) + d.delayMs,
              timeoutMs: d.timeoutMs ?? context.timeoutMs,
            };
          }),
        },
        {
          guard: 'decidedDegrade',
          target: 'SUCCEEDED',
          actions: assign(({ context }) => ({
            status: 'SUCCEEDED' as const,
            prev: context.status,
            output: (context.decision as Extract<TaskDecision, { action: 'degrade' }>).output,
            degraded: true,
            error: undefined,
          })),
        },
        {
          // Retry was decided but cannot fit: escalate, and the record's error says why.
          guard: 'retryMisfits',
          target: 'ESCALATED',
          actions: assign(({ context }) => ({
            status: 'ESCALATED' as const,
            prev: context.status,
            error: budgetError(context),
          })),
        },
        { target: 'ESCALATED', actions: { type: 'moveTo', params: 'ESCALATED' } },
      ],
      on: {
        RETRY: { target: 'ASSIGNED', actions: 'renewBudget' },
        DECIDE: { actions: assign(({ event }) => ({ decision: event.decision })) },
      },
    },
    RETRY_WAIT: {
      entry: { type: 'enter', params: 'RETRY_WAIT' },
      // The timer lives in a child so RESUME (after a restore) re-arms it without re-entering RETRY_WAIT.
      initial: 'waiting',
      states: {
        waiting: {
          always: { guard: 'retryDue', target: '#task.ASSIGNED', actions: { type: 'moveTo', params: 'ASSIGNED' } },
          after: { retryDelay: { target: '#task.ASSIGNED', actions: { type: 'moveTo', params: 'ASSIGNED' } } },
        },
      },
      on: {
        RESUME: '.waiting',
        // Re-entered: recorded, and the wait keeps only its remaining time (retryAt is unchanged).
        REASSIGN: { target: 'RETRY_WAIT', reenter: true, actions: 'reroute' },
        ABANDON: { target: 'ESCALATED', actions: 'abandon' },
      },
    },
    ESCALATED: {
      entry: { type: 'enter', params: 'ESCALATED' },
      on: {
        RETRY: { target: 'ASSIGNED', actions: 'renewBudget' },
        RESOLVE: {
          target: 'SUCCEEDED',
          actions: assign(({ context, event }) => ({
            status: 'SUCCEEDED' as const,
            prev: context.status,
            output: event.output,
            resolvedBy: 'human' as const,
            error: undefined,
          })),
        },
      },
    },
    SUCCEEDED: {
      type: 'final',
      entry: { type: 'enter', params: 'SUCCEEDED' },
    },
    CANCELLED: {
      type: 'final',
      entry: { type: 'enter', params: 'CANCELLED' },
    },
  },
});

/** The failure, re-kinded `budget`, its message saying why no retry starts. */
function budgetError(c: TaskContext): TaskError {
  const why = retryMisfit(c.budget, addUsage(c.usage, undefined), c.attempts) ?? 'budget spent';
  const failed = c.error ? ` (attempt ${c.attempts} failed with ${c.error.kind}: ${c.error.message})` : '';
  const e: TaskError = { kind: 'budget', message: `${why}${failed}` };
  if (c.error?.status !== undefined) e.status = c.error.status;
  return e;
}
