// Query values the server never issued or cannot use: a 400 naming the field, at once, and no work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWardenError } from '../../src/index.ts';
import { errorOf, harness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  for (let i = 0; i < 5; i++) await h.warden.submit({ agent: 'ext', input: i });
});
afterAll(async () => {
  await h.dispose();
});

describe('GET /api/tasks query', () => {
  it.each([
    ['cursor', '-924186799'],
    ['cursor', '-1'],
    ['cursor', 'zzzzzzzzzzz'],
    ['cursor', '00'],
    ['cursor', '1.5'],
    ['cursor', ' 1'],
    ['cursor', ''],
    ['cursor', '6'],
    ['limit', '0'],
    ['limit', '-5'],
    ['limit', '1001'],
    ['limit', '1e3'],
    ['limit', ''],
    ['status', 'DONE'],
    ['agent', ''],
    ['bogus', '1'],
  ])('%s=%s → 400 naming the field', async (field, value) => {
    const res = await h.req('GET', `/api/tasks?${field}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_input');
    expect(error.details?.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('a repeated key is refused, not narrowed to its first value', async () => {
    const res = await h.req('GET', '/api/tasks?limit=1&limit=2');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details?.field).toBe('limit');
  });

  it('the cursors the server issues still page through every task', async () => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.req('GET', `/api/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ input: unknown }>; nextCursor: string | null };
      seen.push(...page.items.map((t) => t.input));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('alerts and events refuse unknown and repeated keys too', async () => {
    expect((await h.req('GET', '/api/health/alerts?limit=5&x=1')).status).toBe(400);
    expect((await h.req('GET', '/api/health/alerts?limit=5&limit=6')).status).toBe(400);
    expect((await h.req('GET', '/api/events?nope=1')).status).toBe(400);
  });
});

describe('list() in the library', () => {
  it.each(['-924186799', '-1', 'abc!', '', '0x10', '1'.repeat(40), 'zzzzzz'])('cursor %j throws invalid_input before any work', (cursor) => {
    let thrown: unknown;
    try {
      h.warden.list({ cursor });
    } catch (err) {
      thrown = err;
    }
    expect(isWardenError(thrown) && thrown.code).toBe('invalid_input');
    expect(isWardenError(thrown) && thrown.details?.field).toBe('cursor');
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('limit %s throws invalid_input', (limit) => {
    expect(() => h.warden.list({ limit })).toThrow(/limit: must be a positive integer/);
  });

  it('a limit past a page is one full page', () => {
    expect(h.warden.list({ limit: 10_000 }).items).toHaveLength(5);
  });
});
