// Every path of the machines: @xstate/graph walks the task and agent machines over events that cover
// each guard's branches; the test fails when a state or a transition of the definition is never taken,
// so a new one needs a path here (beside the fast-check model tests in task/agent.test.ts).
import { describe, expect, it } from 'vitest';
import { createActor, setup, type AnyEventObject } from 'xstate';
import { agentMachine as supervisedAgent } from '../../machines/agent.ts';
import { taskMachine, type TaskInput } from '../../machines/task.ts';
import { timerEvents, walk } from './graph-walk.ts';

const error = { kind: 'server' as const, message: 'boom', status: 503 };

describe('task machine: every state and transition on a path', () => {
  it('walks them all', () => {
    const timers = timerEvents(taskMachine);
    const decisions = [
      { action: 'retry', agent: 'a', delayMs: 0 },
      { action: 'retry', agent: 'a', delayMs: 10 },
      { action: 'degrade', output: 'fallback' },
      { action: 'escalate', reason: 'no more' },
    ] as const;
    const result = walk(
      taskMachine,
      [
        ...[true, false].map((autoAssign) => ({ id: 't', type: 'default', agent: 'a', input: null, maxRetries: 1, autoAssign })),
        // A budget that one attempt's usage below leaves too little of for a retry.
        { id: 't', type: 'default', agent: 'a', input: null, maxRetries: 1, autoAssign: true, budget: { costUsd: 1 } },
      ],
      (s) => {
        const attempt = s.context.attempts;
        const events: AnyEventObject[] = [
          { type: 'ASSIGN' },
          { type: 'START', at: 10 },
          { type: 'START', at: 10, deadlineAt: 20 },
          { type: 'HEARTBEAT', at: 11, deadlineAt: 30 },
          { type: 'HEARTBEAT', at: 11 },
          { type: 'RESUME' },
          { type: 'CHECKPOINT', attempt, data: { step: 1 } },
          { type: 'SUCCEED', attempt, output: 'ok' },
          { type: 'RETRY' },
          { type: 'RESOLVE', output: 'by hand' },
          { type: 'CANCEL' },
          { type: 'DECIDE', decision: decisions[3] },
          { type: 'REASSIGN', agent: 'b' },
          { type: 'ABANDON', error: { kind: 'not_found', message: 'agent a was removed' } },
          ...decisions.map((decision) => ({ type: 'FAIL', attempt, at: 12, error, decision })),
          { type: 'FAIL', attempt, at: 12, error, decision: decisions[1], usage: { turns: 1, tokens: 10, costUsd: 0.6, wallMs: 2 } },
          ...timers,
        ];
        return events;
      },
      (s) => {
        const c = s.context;
        return JSON.stringify([s.value, c.attempts <= c.maxRetries, c.deadlineAt !== undefined, (c.retryAt ?? 0) <= (c.failedAt ?? 0), c.decision?.action, c.autoAssign, c.budget !== undefined, (c.usage?.costUsd ?? 0) > 0]);
      },
      // A task restored in FAILED: the process died between the failure and its decision.
      (input) => {
        const initial = createActor(taskMachine, { input: input as TaskInput }).getSnapshot();
        return [taskMachine.resolveState({ value: 'FAILED', context: { ...initial.context, status: 'FAILED', attempts: 1, error, failedAt: 12 } })];
      },
    );
    expect(result.edges).toBeGreaterThan(20);
    expect(result.unvisited).toEqual([]);
    expect(result.untaken).toEqual([]);
  });
});

// Walked alone, without the supervisor its RESTARTING state reports to.
const agentMachine = supervisedAgent.provide({ actions: { reportExit: () => {} } });

describe('agent machine: every state and transition on a path', () => {
  it('walks them all', () => {
    const timers = timerEvents(agentMachine);
    const result = walk(
      agentMachine,
      (['permanent', 'transient', 'temporary'] as const).flatMap((restart) =>
        [1, 2].map((successThreshold) => ({
          name: 'a',
          restart,
          breaker: { failureThreshold: 2, windowMs: 60_000, openMs: 1_000, halfOpenProbes: 1, successThreshold },
        })),
      ),
      (s) => {
        const epoch = s.context.epoch;
        const release = (outcome: string, e: number) => ({ type: 'RELEASE', at: 100, outcome, epoch: e });
        return [
          { type: 'ACQUIRE', at: 100 },
          release('success', epoch),
          release('failure', epoch),
          release('ignore', epoch),
          release('failure', epoch - 1),
          release('success', epoch - 1),
          { type: 'RESET', at: 100 },
          // the circuit opened by another process of a cluster (src/runtime/cluster-breaker.ts)
          { type: 'TRIP', at: 100, openUntil: 1_100 },
          { type: 'RESUME' },
          { type: 'STARTED', at: 100 },
          { type: 'EXITED', at: 100, reason: 'crashed', crash: true, rand: 0.5 },
          { type: 'EXITED', at: 100, reason: 'normal', crash: false, rand: 0.5 },
          { type: 'RESTART_AT', restartAt: 200 },
          { type: 'RESTART_NOW', at: 100 },
          { type: 'HALT', at: 100, restartAt: 200 },
          { type: 'RESTART', at: 100, restartAt: 200 },
          { type: 'STOP', at: 100 },
          { type: 'START', at: 100 },
          { type: 'ESCALATE', at: 100 },
          ...timers,
        ];
      },
      (s) => {
        const c = s.context;
        // Counters clamped to the range the guards tell apart, so the walk ends.
        return JSON.stringify([s.value, Math.min(c.failures.length, 2), Math.max(0, Math.min(c.probes, 2)), Math.min(c.probeSuccesses, 2), c.restart]);
      },
    );
    expect(result.edges).toBeGreaterThan(20);
    expect(result.unvisited).toEqual([]);
    expect(result.untaken).toEqual([]);
  });
});

describe('the walk itself', () => {
  it('names a transition and a state that no event reaches', () => {
    const m = setup({ types: { events: {} as { type: 'GO' } | { type: 'NEVER' } } }).createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { on: { NEVER: 'c' } }, c: {} },
    });
    const result = walk(m, [undefined], () => [{ type: 'GO' }], (s) => JSON.stringify(s.value));
    expect(result.untaken).toEqual(['m.b --NEVER#0--> m.c']);
    expect(result.unvisited).toEqual(['m.c']);
  });
});
