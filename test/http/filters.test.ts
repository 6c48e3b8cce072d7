// List filters are checked like a submit: an unknown agent or status is a 400, and every
// validation message reads like the hand-written ones ("field: must be …"), never raw zod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, harness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.dispose();
});

describe('GET /api/tasks filters', () => {
  it('an unknown agent is a 400 with the same message as on POST', async () => {
    const list = await h.req('GET', '/api/tasks?agent=nobody');
    expect(list.status).toBe(400);
    const post = await h.req('POST', '/api/tasks', { json: { agent: 'nobody' } });
    expect(post.status).toBe(400);
    const [a, b] = [await errorOf(list), await errorOf(post)];
    expect(a).toEqual({ code: 'invalid_input', message: b.message, details: { field: 'agent' } });
    expect(a.message).toMatch(/^agent: unknown agent "nobody" \(known: .*ok.*\)$/);
  });

  it('an unknown status names the statuses', async () => {
    const err = await errorOf(await h.req('GET', '/api/tasks?status=DONE'));
    expect(err.message).toBe('status: must be one of PENDING, ASSIGNED, IN_PROGRESS, FAILED, RETRY_WAIT, ESCALATED, SUCCEEDED, CANCELLED');
  });

  it('a known agent still filters', async () => {
    expect((await h.req('GET', '/api/tasks?agent=ok')).status).toBe(200);
  });
});

describe('validation messages', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['POST', '/api/tasks', { agent: 5 }, 'agent: must be a string'],
    ['POST', '/api/tasks', {}, 'agent: is required'],
    ['POST', '/api/tasks', { agent: 'ok', extra: 1 }, 'extra: is not a known field'],
    ['POST', '/api/tasks', { agent: 'ok', maxRetries: 1.5 }, 'maxRetries: must be an integer'],
    ['POST', '/api/tasks', { agent: 'ok', maxRetries: -1 }, 'maxRetries: must be at least 0'],
    ['POST', '/api/tasks', { agent: 'ok', maxRetries: 5000 }, 'maxRetries: must be at most 1000'],
    ['POST', '/api/tasks', { agent: '' }, 'agent: must be at least 1 character long'],
    ['GET', '/api/tasks?limit=5000', undefined, 'limit: must be at most 1000'],
    ['POST', '/api/tasks/x/cancel', { reason: 7 }, 'reason: must be a string'],
  ];
  it.each(cases)('%s %s %j → %s', async (method, path, json, message) => {
    const res = await h.req(method, path, json === undefined ? {} : { json });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.message).toBe(message);
    expect(err.message).not.toMatch(/Invalid|expected|received/);
  });
});
