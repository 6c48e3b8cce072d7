// Agents written on the real SDKs, run by a real Warden against the fake provider over a socket:
// Retry-After is honoured, a stacked SDK retry is reported once per agent, and Warden's own kill
// authority (timeout, cancel) reaches the HTTP request through ctx.signal and stays what Warden knows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../examples/fake-llm.ts';
import { createWarden, type Warden, type WardenConfig } from '../../src/index.ts';
import { captureLogs } from '../support/warden.ts';
import { calls, type CallOptions, type Sdk } from './clients.ts';

let fake: FakeLlm;
const wardens: Warden[] = [];
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterEach(async () => {
  await Promise.all(wardens.splice(0).map((w) => w.stop()));
  fake.requests.length = 0;
});
afterAll(async () => {
  await fake.close();
});

function wardenOn(sdk: Sdk, opts: CallOptions & { timeoutMs?: number; wardenRetries?: number } = {}, logs = captureLogs({ level: 'warn' })): Warden {
  const config: WardenConfig = {
    persist: false,
    logger: logs.logger,
    agents: {
      llm: {
        timeoutMs: opts.timeoutMs,
        breaker: { failureThreshold: 100 },
        run: async (_task, ctx) => {
          const r = await calls[sdk](fake, { signal: ctx.signal, maxRetries: opts.maxRetries });
          ctx.reportUsage({ turns: 1, tokens: r.tokens });
          return r.text;
        },
      },
    },
    taskTypes: { default: { maxRetries: opts.wardenRetries ?? 2, backoff: { initialMs: 1, factor: 1, maxMs: 1, jitter: 'none' }, recovery: ['retry', 'escalate'] } },
  };
  const w = createWarden(config);
  wardens.push(w);
  return w;
}

async function until(check: () => boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`until: ${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each<Sdk>(['ai', 'openai', 'anthropic'])('%s agent under Warden', (sdk) => {
  it('a 429 with Retry-After: 1 waits at least 1 s before the retry, not the 1 ms backoff', async () => {
    fake.script({ status: 429, headers: { 'retry-after': '1' } });
    const w = wardenOn(sdk);
    await w.start();
    const { id } = await w.submit({ agent: 'llm' });
    await until(() => w.get(id)?.status === 'RETRY_WAIT', 'RETRY_WAIT');
    const failed = w.history(id).find((r) => r.to === 'FAILED');
    expect(failed?.error).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 1_000 });
    // counted from when the server got the request (it answered at once): never sooner than it asked
    const retryAt = Date.parse(w.get(id)?.nextRetryAt ?? '');
    expect(retryAt - (fake.requests[0]?.at ?? Infinity)).toBeGreaterThanOrEqual(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  it("Warden's timeout aborts the request through ctx.signal and stays a timeout", async () => {
    fake.script({ delayMs: 10_000 });
    const w = wardenOn(sdk, { timeoutMs: 150, wardenRetries: 0 });
    await w.start();
    const { id } = await w.submit({ agent: 'llm' });
    await until(() => w.history(id).some((r) => r.to === 'FAILED'), 'FAILED');
    expect(w.history(id).find((r) => r.to === 'FAILED')?.error).toMatchObject({ kind: 'timeout', message: 'attempt timed out after 150 ms' });
    await until(() => fake.requests[0]?.aborted === true, 'the request aborted');
  });

  it('a cancel aborts the request in flight: CANCELLED, not a failure', async () => {
    fake.script({ delayMs: 10_000 });
    const w = wardenOn(sdk);
    await w.start();
    const { id } = await w.submit({ agent: 'llm' });
    await until(() => fake.requests.length === 1, 'the request');
    await w.cancel(id);
    await until(() => fake.requests[0]?.aborted === true, 'the request aborted');
    await new Promise((r) => setTimeout(r, 20)); // the SDK's rejection arrives after the cancel
    expect(w.get(id)?.status).toBe('CANCELLED');
    expect(w.history(id).some((r) => r.to === 'FAILED')).toBe(false);
  });
});

describe('stacked retries', () => {
  it("warns once per agent when the AI SDK's own retries ran, naming maxRetries: 0", async () => {
    const logs = captureLogs({ level: 'warn' });
    const busy = { status: 503, headers: { 'retry-after-ms': '1' } };
    fake.script(...Array.from({ length: 9 }, () => busy));
    const w = wardenOn('ai', { maxRetries: 2 }, logs);
    await w.start();
    const { id } = await w.submit({ agent: 'llm' });
    await until(() => w.get(id)?.status === 'ESCALATED', 'ESCALATED', 5_000);
    expect(fake.requests).toHaveLength(9); // 3 Warden attempts × 3 SDK attempts: what the warning is about
    expect(w.history(id).find((r) => r.to === 'FAILED')?.error).toMatchObject({ kind: 'server', status: 503 });
    const warnings = logs.entries().filter((e) => typeof e.msg === 'string' && e.msg.includes('retries are stacked'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ agent: 'llm', sdkAttempts: 3, level: 40 });
    expect(String(warnings[0]?.msg)).toContain('maxRetries: 0');
  });

  it('no warning when the SDK did not retry', async () => {
    const logs = captureLogs({ level: 'warn' });
    fake.script({ status: 503 }, { status: 503 }, { status: 503 });
    const w = wardenOn('ai', { maxRetries: 0 }, logs);
    await w.start();
    const { id } = await w.submit({ agent: 'llm' });
    await until(() => w.get(id)?.status === 'ESCALATED', 'ESCALATED');
    expect(logs.entries().filter((e) => String(e.msg).includes('stacked'))).toEqual([]);
  });
});
