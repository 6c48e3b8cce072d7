// Breakers per agent name across the cluster: failures on two processes add up in PostgreSQL, an
// opened circuit reaches the other process within 1 s, and after the open period one probe goes out
// for the whole cluster; its success closes the circuit everywhere.
import { describe, expect, it } from 'vitest';
import type { Warden } from '../../src/index.ts';
import { hasPg, uniqueSchema } from '../support/postgres.ts';
import { clusterNode, until, useClusterHarness } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const circuit = (w: Warden) => w.breakers().find((b) => b.agent === 'flaky')?.state;

describe.skipIf(!hasPg())('cluster-wide breakers', () => {
  useClusterHarness();

  it('counts failures of both processes, opens on both within 1 s, and lets one probe through for the cluster', { timeout: 30_000 }, async () => {
    const schema = uniqueSchema();
    let failing = true;
    const calls: Array<{ at: number; node: string }> = [];
    const agent = (node: string) => ({
      breaker: { failureThreshold: 3, windowMs: 60_000, openMs: 1_500, halfOpenProbes: 1 },
      run: async () => {
        calls.push({ at: Date.now(), node });
        await sleep(200);
        if (failing) throw Object.assign(new Error('down'), { status: 503 });
        return node;
      },
    });
    const config = (node: string) => ({
      taskTypes: { default: { maxRetries: 0, recovery: ['escalate'] } },
      agents: { flaky: agent(node) },
    });
    const a = clusterNode(schema, 'A', config('A'));
    const b = clusterNode(schema, 'B', config('B'));
    await Promise.all([a.start(), b.start()]);

    // Two failures on A and one on B: neither reaches 3 by itself.
    const failed = await Promise.all([a.submit({ agent: 'flaky' }), a.submit({ agent: 'flaky' })]);
    await until(() => failed.every((t) => a.get(t.id)?.status === 'ESCALATED'), 5_000, 'two failures on A');
    expect(circuit(a)).toBe('CLOSED');
    const onB = await b.submit({ agent: 'flaky' });
    await until(() => b.get(onB.id)?.status === 'ESCALATED', 5_000, 'one failure on B');
    const openedAt = Date.now();
    await until(() => circuit(a) === 'OPEN' && circuit(b) === 'OPEN', 1_000, 'the circuit OPEN on both');
    expect(Date.now() - openedAt).toBeLessThan(1_000);
    expect(calls.map((c) => c.node).sort()).toEqual(['A', 'A', 'B']);

    // Work waits behind the open circuit on both sides; after the open period one probe goes out.
    failing = false;
    const waiting = await Promise.all([a.submit({ agent: 'flaky' }), a.submit({ agent: 'flaky' }), b.submit({ agent: 'flaky' }), b.submit({ agent: 'flaky' })]);
    await sleep(300);
    expect(calls).toHaveLength(3);
    await until(() => calls.length >= 4, 5_000, 'the probe');
    const probeAt = (calls[3] as { at: number }).at;
    await sleep(150);
    // The probe takes 200 ms: nothing else started meanwhile, on either process.
    expect(calls.filter((c) => c.at >= probeAt && c.at < probeAt + 150)).toHaveLength(1);
    await Promise.all(waiting.map((t, i) => (i < 2 ? a : b).result(t.id)));
    await until(() => circuit(a) === 'CLOSED' && circuit(b) === 'CLOSED', 2_000, 'the circuit CLOSED on both');
  });
});
