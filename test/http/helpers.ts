// A real warden with fake agents behind createApp(), and a request helper for app.request().
import { pino } from 'pino';
import { createWarden, type Warden } from '../../src/index.ts';
import { createApp, type HttpOptions, type WardenApp } from '../../src/http/index.ts';

export const TOKEN = 'test-token.0123456789';
export const silent = pino({ level: 'silent' });

export interface Harness extends WardenApp {
  warden: Warden;
  req(method: string, path: string, init?: ReqInit): Promise<Response>;
  dispose(): Promise<void>;
}

export interface ReqInit {
  /** serialized as JSON with Content-Type application/json */
  json?: unknown;
  /** sent as is */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** false: no Authorization header; a string: that token */
  token?: string | false;
}

/**
 * Agents: `ext` (an external executor: tasks wait IN_PROGRESS for callbacks), `ok` (echoes its input),
 * `bad` (fails with a 401, so its tasks escalate), `flaky` (fails with a 503; its circuit opens at once).
 * Task types: `default` escalates on the first failure; `slow` retries after an hour.
 */
export async function harness(opts: HttpOptions = {}): Promise<Harness> {
  const warden = createWarden({
    persist: false,
    logger: silent,
    agents: {
      ext: {},
      ok: { run: async (task) => ({ echo: task.input }) },
      bad: {
        breaker: { windowMs: 3_600_000 },
        run: async () => {
          throw Object.assign(new Error('bad credentials'), { status: 401 });
        },
      },
      flaky: {
        breaker: { failureThreshold: 1, windowMs: 3_600_000, openMs: 3_600_000 },
        run: async () => {
          throw Object.assign(new Error('upstream unavailable'), { status: 503 });
        },
      },
    },
    taskTypes: {
      default: { maxRetries: 0, recovery: ['escalate'] },
      slow: { maxRetries: 3, backoff: { initialMs: 3_600_000, maxMs: 3_600_000, jitter: 'none' }, recovery: ['retry', 'escalate'] },
    },
  });
  await warden.start();
  const control = createApp(warden, { logger: silent, token: TOKEN, ...opts });
  const token = opts.token ?? TOKEN;
  return {
    ...control,
    warden,
    req(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const bearer = init.token === undefined ? token : init.token;
      if (bearer !== false && bearer !== '') headers.authorization = `Bearer ${bearer}`;
      let body: string | Uint8Array | undefined = init.raw;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers['content-type'] ??= 'application/json';
      }
      return Promise.resolve(control.app.request(path, { method, headers, body }));
    },
    async dispose() {
      control.close();
      await warden.stop();
    },
  };
}

/** Lets promise chains and zero-delay timers of the runtime run. */
export async function settle(ms = 5): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('waitFor: condition not met in time');
    await settle(2);
  }
}

export interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export async function errorOf(res: Response): Promise<ErrorJson['error']> {
  const body = (await res.json()) as ErrorJson;
  return body.error;
}
