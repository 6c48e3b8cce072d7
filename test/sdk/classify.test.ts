// What openai, @anthropic-ai/sdk and the AI SDK really throw, over a real socket to a local fake
// provider, classified by classifyError. No SDK class is mocked.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type FakeReply } from '../../examples/fake-llm.ts';
import { classifyError } from '../../src/policy/classify.ts';
import type { ErrorKind } from '../../src/types.ts';
import { calls, thrownBy, type Sdk } from './clients.ts';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const SDKS: Sdk[] = ['openai', 'anthropic', 'ai'];

async function classified(sdk: Sdk, ...replies: FakeReply[]) {
  fake.script(...replies);
  const err = await thrownBy(calls[sdk](fake));
  return { err, error: classifyError(err, Date.now()) };
}

describe.each(SDKS)('%s: HTTP errors', (sdk) => {
  it.each<[number, ErrorKind]>([
    [500, 'server'], [502, 'server'], [503, 'server'], [529, 'server'],
    [401, 'auth'], [403, 'auth'], [404, 'not_found'], [400, 'validation'],
  ])('%i → %s, with the status', async (status, kind) => {
    const { error } = await classified(sdk, { status });
    expect(error).toMatchObject({ kind, status });
  });

  it('429 with Retry-After in seconds waits that long', async () => {
    const { error } = await classified(sdk, { status: 429, headers: { 'retry-after': '2' } });
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 2_000 });
  });

  it('429 with Retry-After as an HTTP-date waits until then', async () => {
    const until = Date.now() + 30_000;
    const { error } = await classified(sdk, { status: 429, headers: { 'retry-after': new Date(until).toUTCString() } });
    expect(error.kind).toBe('rate_limit');
    // the date has whole seconds: it names a moment up to 1 s before `until`
    expect(error.retryAfterMs).toBeGreaterThan(28_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('429 with retry-after-ms: never less than either header says', async () => {
    const longerMs = await classified(sdk, { status: 429, headers: { 'retry-after': '1', 'retry-after-ms': '1500' } });
    expect(longerMs.error.retryAfterMs).toBe(1_500);
    const longerSeconds = await classified(sdk, { status: 429, headers: { 'retry-after': '3', 'retry-after-ms': '1500' } });
    expect(longerSeconds.error.retryAfterMs).toBe(3_000);
    const onlyMs = await classified(sdk, { status: 429, headers: { 'retry-after-ms': '250.2' } });
    expect(onlyMs.error.retryAfterMs).toBe(251);
  });

  it('a connection reset → connection (the socket code is in the cause chain)', async () => {
    const { err, error } = await classified(sdk, { reset: true });
    expect(error.kind).toBe('connection');
    expect(error.status).toBeUndefined();
    expect(causeCodes(err)).toContain('UND_ERR_SOCKET');
  });

  it('an abort of the signal the agent passed → cancelled', async () => {
    fake.script({ delayMs: 5_000 });
    const controller = new AbortController();
    const call = thrownBy(calls[sdk](fake, { signal: controller.signal }));
    await until(() => fake.requests.length === 1);
    controller.abort();
    expect(classifyError(await call, Date.now()).kind).toBe('cancelled');
  });
});

describe.each<Sdk>(['openai', 'anthropic'])('%s: the client timeout', (sdk) => {
  it('APIConnectionTimeoutError → timeout (openai names it plain "Error")', async () => {
    fake.script({ delayMs: 5_000 });
    const err = await thrownBy(calls[sdk](fake, { timeoutMs: 100 }));
    expect((err as Error).constructor.name).toBe('APIConnectionTimeoutError');
    expect(classifyError(err, Date.now())).toMatchObject({ kind: 'timeout', message: 'Request timed out.' });
  });
});

describe('ai: the AI SDK', () => {
  it('APICallError: statusCode and a plain-record responseHeaders → rate_limit after Retry-After', async () => {
    const { err, error } = await classified('ai', { status: 429, headers: { 'retry-after': '1' } });
    expect(err).toMatchObject({ name: 'AI_APICallError', statusCode: 429, isRetryable: true });
    expect((err as { responseHeaders: unknown }).responseHeaders).toMatchObject({ 'retry-after': '1' });
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 1_000 });
  });

  it('RetryError after its own retries is classified from its last error, and says how many attempts it made', async () => {
    const busy: FakeReply = { status: 503, headers: { 'retry-after-ms': '5' } };
    fake.script(busy, busy, busy);
    const err = await thrownBy(calls.ai(fake, { maxRetries: 2 }));
    expect(err).toMatchObject({ name: 'AI_RetryError', reason: 'maxRetriesExceeded' });
    expect((err as { errors: unknown[] }).errors).toHaveLength(3);
    const error = classifyError(err, Date.now());
    expect(error).toMatchObject({ kind: 'server', status: 503 });
    expect(error.message).toContain('3 attempts');
    expect(fake.requests).toHaveLength(3);
  });

  it('RetryError ending in a 429 keeps the last Retry-After', async () => {
    const limited: FakeReply = { status: 429, headers: { 'retry-after-ms': '5' } };
    fake.script(limited, limited, { status: 429, headers: { 'retry-after': '7' } });
    const err = await thrownBy(calls.ai(fake, { maxRetries: 2 }));
    expect((err as Error).name).toBe('AI_RetryError');
    expect(classifyError(err, Date.now())).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 7_000 });
  });

  it('a RetryError whose last error is not retryable: the last error decides (auth)', async () => {
    fake.script({ status: 503, headers: { 'retry-after-ms': '5' } }, { status: 401 });
    const err = await thrownBy(calls.ai(fake, { maxRetries: 2 }));
    expect((err as Error).name).toBe('AI_RetryError');
    expect(classifyError(err, Date.now())).toMatchObject({ kind: 'auth', status: 401 });
  });

  it('AbortSignal.timeout → a DOMException named TimeoutError → timeout', async () => {
    fake.script({ delayMs: 5_000 });
    const err = await thrownBy(calls.ai(fake, { signal: AbortSignal.timeout(100) }));
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('TimeoutError');
    expect(classifyError(err, Date.now()).kind).toBe('timeout');
  });
});

function causeCodes(err: unknown): unknown[] {
  const codes: unknown[] = [];
  for (let c = err, i = 0; c && i < 6; c = (c as { cause?: unknown }).cause, i++) codes.push((c as { code?: unknown }).code);
  return codes;
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('until: condition not met within 2 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}
