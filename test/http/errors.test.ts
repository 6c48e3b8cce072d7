import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createApp } from '../../src/http/index.ts';
import type { Warden } from '../../src/index.ts';
import { WardenError } from '../../src/index.ts';
import { errorOf, harness, type Harness } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** The harness warden, with one method replaced. */
function withMethod<K extends keyof Warden>(warden: Warden, key: K, impl: Warden[K]): Warden {
  const w = Object.create(warden) as Warden;
  Object.defineProperty(w, key, { value: impl });
  return w;
}

describe('error mapping', () => {
  it('an unexpected error is a 500 with a generic message, logged, no stack', async () => {
    h = await harness();
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    const broken = withMethod(h.warden, 'breakers', () => {
      throw new Error('secret internals at /srv/app.ts:12');
    });
    const control = createApp(broken, { logger });
    const res = await control.app.request('/api/health/circuit-breakers');
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(body).not.toContain('secret');
    expect(lines.join('')).toContain('secret internals');
    control.close();
  });

  it.each([
    ['invalid_transition', 409],
    ['not_found', 404],
    ['invalid_input', 400],
    ['invalid_config', 400],
    ['not_running', 503],
    ['cancelled', 409],
    ['corrupt_state', 500],
  ] as const)('WardenError %s → %i', async (code, status) => {
    h = await harness();
    const w = withMethod(h.warden, 'agents', () => {
      throw new WardenError(code, `boom ${code}`, { field: 'x' });
    });
    const control = createApp(w, { logger: pino({ level: 'silent' }) });
    const res = await control.app.request('/api/agents');
    expect(res.status).toBe(status);
    const err = await errorOf(res);
    if (status === 500) expect(err).toEqual({ code: 'internal', message: 'internal error' });
    else expect(err).toEqual({ code, message: `boom ${code}`, details: { field: 'x' } });
    control.close();
  });

  it('an unknown route is a 404 in the error shape', async () => {
    h = await harness({ token: undefined });
    const control = createApp(h.warden, { logger: pino({ level: 'silent' }) });
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', '/api/tasks'],
      ['PUT', '/api/tasks/x/cancel'],
      ['GET', '/api/tasks/x/cancel'],
    ] as const) {
      const res = await control.app.request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    control.close();
  });

  it('HEAD on an open route answers without a body', async () => {
    h = await harness();
    const res = await h.app.request('/health', { method: 'HEAD' });
    expect(res.status).toBe(200);
  });
});
