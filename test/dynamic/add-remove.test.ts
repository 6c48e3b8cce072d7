// supervisor_SUITE child_adm / which_children for agents added while running: addAgent puts a child at
// the end of its supervisor's start order, a taken name is a conflict, removeAgent needs a stopped child
// (terminate_child, then delete_child), and a removed agent's waiting tasks follow their policy.
import { describe, expect, it } from 'vitest';
import type { TransitionRecord } from '../../src/types.ts';
import { res, resources, supervisorRecords } from '../support/resources.ts';
import { advance, flatBackoff, flush, makeWarden, never, recordAll, rejectionCode, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

async function boot() {
  const { log, r, agents } = resources(['a', 'b']);
  const w = makeWarden({
    agents,
    supervisor: { maxRestarts: 5, withinMs: 10_000, backoff: flatBackoff(10), children: ['a', { name: 'inner', children: ['b'] }] },
  });
  const records = recordAll(w);
  await w.start();
  return { w, log, r, records };
}

const childEvents = (records: TransitionRecord[], sup = 'root') =>
  supervisorRecords(records, sup).filter((x) => x.event === 'START_CHILD' || x.event === 'DELETE_CHILD').map((x) => `${x.event}:${x.agent}`);

describe('addAgent (start_child)', () => {
  it('starts the new agent last in its supervisor, records START_CHILD, and which_children shows it', async () => {
    const { w, log, records } = await boot();
    const { r: extra, agents } = resources(['x', 'y'], {}, );
    await w.addAgent('x', agents['x']!);
    await w.addAgent('y', agents['y']!, { supervisor: 'inner' });
    expect(res(extra, 'x').starts).toBe(1);
    expect(w.agent('x')).toMatchObject({ lifecycle: 'RUNNING', restarts: 0 });
    expect(w.agents().map((a) => a.name)).toEqual(['a', 'b', 'x', 'y']);
    const [root] = w.supervisors();
    expect(root?.children).toEqual(['a', expect.objectContaining({ name: 'inner', children: ['b', 'y'], dynamic: ['y'] }), 'x']);
    expect(root?.dynamic).toEqual(['x']);
    expect(root?.counts).toEqual({ specs: 3, active: 3, supervisors: 1, workers: 2 });
    expect(childEvents(records)).toEqual(['START_CHILD:x']);
    expect(childEvents(records, 'inner')).toEqual(['START_CHILD:y']);
    // The new child's own records: born CLOSED and STARTING, then RUNNING.
    expect(records.filter((x) => x.kind === 'agent' && x.id === 'x').map((x) => x.to)).toEqual(['CLOSED', 'STARTING', 'RUNNING']);
    expect(log).toContain('start:a');
  });

  it('a dynamic child is supervised like a configured one: its crash is restarted by its supervisor', async () => {
    const { w } = await boot();
    const { r, agents } = resources(['x']);
    await w.addAgent('x', agents['x']!);
    res(r, 'x').crash();
    await advance(10);
    expect(w.agent('x')).toMatchObject({ lifecycle: 'RUNNING', restarts: 1 });
    expect(w.supervisors()[0]).toMatchObject({ restarts: 1 });
  });

  it('rejects a taken name (agent or supervisor) with conflict, a bad def with invalid_input naming the field, an unknown supervisor with not_found', async () => {
    const { w } = await boot();
    expect(await rejectionCode(w.addAgent('a', {}))).toBe('conflict');
    expect(await rejectionCode(w.addAgent('inner', {}))).toBe('conflict');
    expect(await rejectionCode(w.addAgent('x', {}, { supervisor: 'nope' }))).toBe('not_found');
    await expect(w.addAgent('x', { concurrency: 0 })).rejects.toThrow('def.concurrency must be a positive integer');
    await expect(w.addAgent('x', { colour: 'red' } as never)).rejects.toThrow(/def\.colour is not a known option/);
    await expect(w.addAgent('bad name', {})).rejects.toMatchObject({ code: 'invalid_input' });
    // None of them changed anything.
    expect(w.agents().map((a) => a.name)).toEqual(['a', 'b']);
  });

  it('a significant child needs a supervisor with autoShutdown (OTP) and a non-permanent restart', async () => {
    const { w } = await boot();
    await expect(w.addAgent('x', { restart: 'temporary', significant: true })).rejects.toThrow(/autoShutdown 'never'/);
    await expect(w.addAgent('x', { significant: true })).rejects.toThrow(/permanent child/);
  });
});

describe('removeAgent (terminate_child, then delete_child)', () => {
  it('refuses a running child with invalid_transition, removes a stopped one and forgets it', async () => {
    const { w, records } = await boot();
    const { r, agents } = resources(['x']);
    await w.addAgent('x', agents['x']!);
    expect(await rejectionCode(w.removeAgent('x'))).toBe('invalid_transition');
    w.stopAgent('x');
    await flush();
    expect(res(r, 'x').stops).toBe(1);
    await w.removeAgent('x');
    await flush();
    expect(w.agents().map((a) => a.name)).toEqual(['a', 'b']);
    expect(() => w.agent('x')).toThrow(/no agent named x/);
    expect(w.supervisors()[0]?.children).toEqual(['a', expect.objectContaining({ name: 'inner' })]);
    expect(childEvents(records)).toEqual(['START_CHILD:x', 'DELETE_CHILD:x']);
    expect(await rejectionCode(w.removeAgent('x'))).toBe('not_found');
    // The name is free again.
    await w.addAgent('x', resources(['x']).agents['x']!);
    expect(w.agent('x').lifecycle).toBe('RUNNING');
  });

  it('refuses to remove an agent the config declares', async () => {
    const { w } = await boot();
    w.stopAgent('a');
    await flush();
    await expect(w.removeAgent('a')).rejects.toMatchObject({ code: 'invalid_transition', message: expect.stringMatching(/declared in the config/) });
  });

  it("a removed agent's queued task goes to a peer of its role; with no peer it escalates with the reason", async () => {
    const runs: string[] = [];
    const run = async (_t: unknown, ctx: { agent: string }) => {
      runs.push(ctx.agent);
      return 'ok';
    };
    const w = makeWarden({ agents: { a: { run: never, concurrency: 1 } } });
    await w.start();
    await w.addAgent('p1', { run, role: 'writer' });
    await w.addAgent('solo', { run });
    // Both stopped, so their tasks wait in the queue.
    w.stopAgent('p1');
    w.stopAgent('solo');
    await flush();
    const t1 = await w.submit({ agent: 'p1', input: 1 });
    const t2 = await w.submit({ agent: 'solo', input: 2 });
    await w.addAgent('p2', { run, role: 'writer' });
    await w.removeAgent('p1');
    await w.removeAgent('solo');
    await flush();
    expect(w.get(t1.id)).toMatchObject({ status: 'SUCCEEDED', agent: 'p2', attempts: 1 });
    expect(w.history(t1.id).map((x) => `${x.to}:${x.event}:${x.agent}`)).toEqual(['PENDING:SUBMIT:p1', 'ASSIGNED:ASSIGN:p1', 'ASSIGNED:REASSIGN:p2', 'IN_PROGRESS:START:p2', 'SUCCEEDED:SUCCEED:p2']);
    expect(w.get(t2.id)).toMatchObject({ status: 'ESCALATED', attempts: 0, error: { kind: 'not_found' } });
    expect(w.get(t2.id)?.error?.message).toBe('agent solo was removed and no other agent has role solo');
    expect(runs).toEqual(['p2']);
  });
});
