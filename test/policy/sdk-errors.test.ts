// The duck typing behind the SDK support (test/sdk/ runs the real SDKs): retry wrappers, class names,
// and Retry-After that is never shorter than any header says.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/policy/classify.ts';
import { kindFromClass, unwrapRetries } from '../../src/policy/sdk-errors.ts';
import { stackedRetryWarning } from '../../src/runtime/stacked-retries.ts';
import { captureLogs } from '../support/warden.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

function retryError(lastError: unknown, attempts = 3): Error {
  return Object.assign(new Error(`Failed after ${attempts} attempts`), { name: 'AI_RetryError', reason: 'maxRetriesExceeded', lastError, errors: Array.from({ length: attempts }, () => lastError) });
}

describe('retry wrappers', () => {
  it('classify from the innermost error, through nested wrappers', () => {
    const inner = Object.assign(new Error('overloaded'), { statusCode: 503 });
    const result = classifyError(retryError(retryError(inner, 2), 3), NOW);
    expect(result).toEqual({ kind: 'server', status: 503, message: "overloaded (the SDK's own retries made 3 attempts)" });
    expect(unwrapRetries(retryError(retryError(inner, 2), 3))).toEqual({ error: inner, sdkAttempts: 3 });
  });

  it('a RetryError-named value without lastError and errors is not a wrapper', () => {
    const odd = Object.assign(new Error('odd'), { name: 'AI_RetryError', lastError: 'text', errors: [] });
    expect(unwrapRetries(odd)).toEqual({ error: odd });
    expect(classifyError(odd, NOW).kind).toBe('unknown');
  });

  it('a wrapper around a wrapper around … stops after a few levels instead of looping', () => {
    const loop: Record<string, unknown> = { name: 'AI_RetryError', message: 'loop', errors: [1] };
    loop.lastError = loop;
    expect(() => classifyError(loop, NOW)).not.toThrow();
  });
});

describe('SDK classes by name', () => {
  it('reads the constructor name first (openai sets `name` to "Error")', () => {
    class APIConnectionTimeoutError extends Error {}
    class APIUserAbortError extends Error {}
    expect(kindFromClass(new APIConnectionTimeoutError('Request timed out.'))).toBe('timeout');
    expect(kindFromClass(new APIUserAbortError('Request was aborted.'))).toBe('cancelled');
    expect(classifyError(new APIConnectionTimeoutError('Request timed out.'), NOW)).toEqual({ kind: 'timeout', message: 'Request timed out.' });
  });

  it('falls back to `name` (anthropic names its errors after their class)', () => {
    expect(kindFromClass({ name: 'APIConnectionError', message: 'Connection error.' })).toBe('connection');
    expect(kindFromClass({ name: 'AI_LoadAPIKeyError', message: 'no key' })).toBe('auth');
    expect(kindFromClass(new Error('plain'))).toBeUndefined();
    expect(kindFromClass(Object.create(null))).toBeUndefined();
  });
});

describe('Retry-After: never less than any header says', () => {
  const header = fc.oneof(fc.integer({ min: 0, max: 3_600 }).map(String), fc.double({ min: 0, max: 3_600, noNaN: true }).map((n) => n.toFixed(3)));
  const headerMs = fc.oneof(fc.integer({ min: 0, max: 3_600_000 }).map(String), fc.double({ min: 0, max: 3_600_000, noNaN: true }).map((n) => n.toFixed(2)));

  it('property: the wait is the longer of retry-after and retry-after-ms, rounded up', () => {
    fc.assert(
      fc.property(fc.option(header, { nil: undefined }), fc.option(headerMs, { nil: undefined }), fc.boolean(), (seconds, ms, record) => {
        const raw: Record<string, string> = {};
        if (seconds !== undefined) raw['retry-after'] = seconds;
        if (ms !== undefined) raw['retry-after-ms'] = ms;
        // the AI SDK gives a plain record in responseHeaders, openai/anthropic a WHATWG Headers in headers
        const err = record ? { message: 'x', statusCode: 429, responseHeaders: raw } : { message: 'x', status: 429, headers: new Headers(raw) };
        const wait = classifyError(err, NOW).retryAfterMs;
        const asked = [seconds === undefined ? undefined : Number(seconds) * 1000, ms === undefined ? undefined : Number(ms)].filter((v) => v !== undefined);
        if (asked.length === 0) {
          expect(wait).toBeUndefined();
          return;
        }
        for (const a of asked) expect(wait).toBeGreaterThanOrEqual(a);
        expect(wait).toBe(Math.ceil(Math.max(...asked)));
      }),
      { numRuns: 500 },
    );
  });

  it('ignores a retry-after-ms that is not a number', () => {
    const err = { message: 'x', status: 429, headers: new Headers({ 'retry-after-ms': 'soon', 'retry-after': '2' }) };
    expect(classifyError(err, NOW).retryAfterMs).toBe(2_000);
    expect(classifyError({ message: 'x', status: 429, headers: { 'retry-after-ms': '-5' } }, NOW)).not.toHaveProperty('retryAfterMs');
  });
});

describe('the stacked-retries warning', () => {
  it('once per agent, only for a retry wrapper, without the error message', () => {
    const logs = captureLogs({ level: 'warn' });
    const warn = stackedRetryWarning(logs.logger);
    const wrapped = retryError(Object.assign(new Error('secret prompt text'), { statusCode: 503 }));
    warn('a', new Error('plain failure'));
    warn('a', wrapped);
    warn('a', wrapped);
    warn('b', wrapped);
    const entries = logs.entries();
    expect(entries.map((e) => e.agent)).toEqual(['a', 'b']);
    expect(entries.every((e) => e.level === 40 && e.sdkAttempts === 3)).toBe(true);
    expect(logs.lines.join('')).not.toContain('secret prompt text');
  });
});
