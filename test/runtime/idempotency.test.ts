// submit() with an idempotencyKey: a repeated key returns the first task instead of making another.
import { describe, expect, it, vi } from 'vitest';
import { flush, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('idempotencyKey', () => {
  it('a second submit with the same key returns the same id with created: false and runs nothing new', async () => {
    const run = vi.fn(() => 'once');
    const w = await startWarden({ agents: { coder: { run } } });
    const first = await w.submit({ agent: 'coder', input: { n: 1 }, idempotencyKey: 'order-42' });
    expect(first.created).toBe(true);
    const second = await w.submit({ agent: 'coder', input: { n: 2 }, idempotencyKey: 'order-42' });
    expect(second).toEqual({ id: first.id, created: false });
    await flush();
    const third = await w.submit({ agent: 'coder', idempotencyKey: 'order-42' });
    expect(third).toEqual({ id: first.id, created: false });

    expect(run).toHaveBeenCalledTimes(1);
    expect(w.get(first.id)).toMatchObject({ input: { n: 1 }, idempotencyKey: 'order-42', status: 'SUCCEEDED' });
    expect(w.list().items).toHaveLength(1);
  });

  it('different keys, or no key, make distinct tasks', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 1 } } });
    const a = await w.submit({ agent: 'coder', idempotencyKey: 'a' });
    const b = await w.submit({ agent: 'coder', idempotencyKey: 'b' });
    const c = await w.submit({ agent: 'coder' });
    const d = await w.submit({ agent: 'coder' });
    expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
    expect([a, b, c, d].every((x) => x.created)).toBe(true);
  });

  it('an invalid submit is refused with invalid_input and creates nothing', async () => {
    const w = await startWarden({ agents: { coder: { run: () => 1 } } });
    await expect(w.submit({ agent: 'nobody' })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'agent' } });
    await expect(w.submit({ agent: 'coder', type: 'nope' })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'type' } });
    await expect(w.submit({ agent: 'coder', idempotencyKey: '' })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(w.list().items).toHaveLength(0);
  });
});
