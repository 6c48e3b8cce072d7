// GET /api/tasks?order=asc|desc: newest first for the dashboard, creation order by default.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskView } from '../../src/index.ts';
import { errorOf, harness, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.dispose();
});

type Page = { items: TaskView[]; nextCursor: string | null };

async function page(query: string): Promise<Page> {
  const res = await h.req('GET', `/api/tasks?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe('GET /api/tasks?order', () => {
  it('desc pages newest first with a cursor; asc and no order are creation order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.warden.submit({ agent: 'ext', input: i })).id);
    const newest = [...ids].reverse();
    const p1 = await page('order=desc&limit=2');
    expect(p1.items.map((t) => t.id)).toEqual(newest.slice(0, 2));
    const p2 = await page(`order=desc&limit=10&cursor=${p1.nextCursor}`);
    expect(p2.items.map((t) => t.id)).toEqual(newest.slice(2));
    expect(p2.nextCursor).toBeNull();
    expect((await page('order=asc')).items.map((t) => t.id)).toEqual(ids);
    expect((await page('')).items.map((t) => t.id)).toEqual(ids);
    expect(h.warden.list({ order: 'desc', limit: 1 }).items[0]?.id).toBe(ids[4]);
  });

  it('filters by task type', async () => {
    const slow = await h.warden.submit({ agent: 'ext', type: 'slow' });
    await h.warden.submit({ agent: 'ext' });
    expect((await page('type=slow')).items.map((t) => t.id)).toEqual([slow.id]);
  });

  it('400 naming order for a value that is neither asc nor desc', async () => {
    const res = await h.req('GET', '/api/tasks?order=newest');
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_input');
    expect(err.details?.field).toBe('order');
  });
});
