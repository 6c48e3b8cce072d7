// The `inspect` option: the supervisor, its agents and every task stream to an XState inspector.
import { describe, expect, it } from 'vitest';
import type { AnyActor, InspectionEvent } from 'xstate';
import { flush, makeWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

/** The machine id ('supervisor' | 'agent' | 'task') of an inspected actor and its context. */
function describeActor(ev: InspectionEvent): { machine: string; context: Record<string, unknown> } {
  const actor = ev.actorRef as AnyActor;
  const logic = actor.logic as { id?: string };
  return { machine: logic.id ?? '?', context: (actor.getSnapshot() as { context: Record<string, unknown> }).context };
}

describe('inspection', () => {
  it('@xstate.actor events arrive for the supervisor, each agent and a task', async () => {
    const events: InspectionEvent[] = [];
    const w = makeWarden({
      agents: { coder: { run: () => 'ok' }, reviewer: { run: () => 'ok' } },
      inspect: (ev: InspectionEvent) => void events.push(ev),
    });
    await w.start();
    const { id } = await w.submit({ agent: 'coder' });
    await flush();
    expect(w.get(id)?.status).toBe('SUCCEEDED');

    const actors = events.filter((e) => e.type === '@xstate.actor').map(describeActor);
    expect(actors.filter((a) => a.machine === 'supervisor').map((a) => a.context['name'])).toEqual(['root']);
    expect(actors.filter((a) => a.machine === 'agent').map((a) => a.context['name']).sort()).toEqual(['coder', 'reviewer']);
    expect(actors.filter((a) => a.machine === 'task').map((a) => a.context['id'])).toEqual([id]);

    // The task's snapshots show its states as the inspector would draw them.
    const taskStates = events
      .filter((e) => e.type === '@xstate.snapshot')
      .map(describeActor)
      .filter((a) => a.machine === 'task' && a.context['id'] === id);
    expect(taskStates.length).toBeGreaterThan(0);
    const snapshotValues = events
      .filter((e): e is Extract<InspectionEvent, { type: '@xstate.snapshot' }> => e.type === '@xstate.snapshot')
      .filter((e) => describeActor(e).machine === 'task')
      .map((e) => (e.snapshot as unknown as { value: unknown }).value);
    expect(snapshotValues).toContainEqual('SUCCEEDED');
    // In-process attempts are timed by the runtime, so the machine rests in the untimed child.
    expect(snapshotValues).toContainEqual({ IN_PROGRESS: 'untimed' });
  });

  it('an inspector given as an observer object gets the events too', async () => {
    const types = new Set<string>();
    const w = makeWarden({
      agents: { coder: { run: () => 'ok' } },
      inspect: { next: (ev: InspectionEvent) => void types.add(ev.type) },
    });
    await w.start();
    await w.submit({ agent: 'coder' });
    await flush();
    expect(types).toContain('@xstate.actor');
    expect(types).toContain('@xstate.event');
    expect(types).toContain('@xstate.snapshot');
  });
});
