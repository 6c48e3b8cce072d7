import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/policy/classify.ts';
import { ERROR_KINDS, type ErrorKind, type TaskError } from '../../src/types.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

function httpError(status: unknown, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`HTTP ${String(status)}`), { status }, extra);
}

describe('classifyError: HTTP status', () => {
  const table: [number, ErrorKind][] = [
    [429, 'rate_limit'],
    [500, 'server'], [501, 'server'], [502, 'server'], [503, 'server'], [504, 'server'],
    [505, 'server'], [599, 'server'],
    [401, 'auth'], [403, 'auth'], [404, 'not_found'],
    [400, 'validation'], [422, 'validation'], [408, 'timeout'],
    [409, 'unknown'], [418, 'unknown'], [302, 'unknown'],
  ];
  it.each(table)('status %i → %s and keeps the status', (status, kind) => {
    expect(classifyError(httpError(status), NOW)).toEqual({ kind, message: `HTTP ${status}`, status });
  });

  it.each([
    ['statusCode', { statusCode: 503 }],
    ['response.status', { response: { status: 503 } }],
    ['numeric string', { status: '503' }],
    ['numeric string with spaces', { statusCode: ' 503 ' }],
  ])('reads the status from %s', (_label, fields) => {
    const result = classifyError(Object.assign(new Error('x'), fields), NOW);
    expect(result.kind).toBe('server');
    expect(result.status).toBe(503);
  });

  it('prefers `status` over `response.status`', () => {
    expect(classifyError({ message: 'x', status: 404, response: { status: 500 } }, NOW).kind).toBe('not_found');
  });

  it.each([['abc'], ['5003'], [503.5], [42], [700], [NaN], [true], [{}]])('ignores a status of %s', (status) => {
    const result = classifyError(httpError(status), NOW);
    expect(result.kind).toBe('unknown');
    expect(result).not.toHaveProperty('status');
  });

  it('a plain (non-Error) object with a status is classified too', () => {
    expect(classifyError({ status: 429 }, NOW)).toEqual({
      kind: 'rate_limit', status: 429, message: 'non-Error value thrown: object',
    });
  });
});

describe('classifyError: Retry-After', () => {
  const rateLimited = (headers: unknown, where: 'headers' | 'response' = 'headers'): Error =>
    where === 'headers' ? httpError(429, { headers }) : httpError(429, { response: { status: 429, headers } });

  it('reads seconds from a plain-object header, any case of the key', () => {
    expect(classifyError(rateLimited({ 'retry-after': '2' }), NOW).retryAfterMs).toBe(2000);
    expect(classifyError(rateLimited({ 'Retry-After': '3' }), NOW).retryAfterMs).toBe(3000);
    expect(classifyError(rateLimited({ 'RETRY-AFTER': '0' }), NOW).retryAfterMs).toBe(0);
  });

  it('reads a WHATWG Headers object', () => {
    const headers = new Headers({ 'Retry-After': '5' });
    expect(classifyError(rateLimited(headers), NOW).retryAfterMs).toBe(5000);
  });

  it('reads a Headers object on response.headers (fetch Response style)', () => {
    const headers = new Headers({ 'retry-after': '7' });
    expect(classifyError(rateLimited(headers, 'response'), NOW).retryAfterMs).toBe(7000);
  });

  it('reads a plain object on response.headers (axios style)', () => {
    expect(classifyError(rateLimited({ 'Retry-After': '4' }, 'response'), NOW).retryAfterMs).toBe(4000);
  });

  it('reads a Map keyed with either spelling', () => {
    expect(classifyError(rateLimited(new Map([['Retry-After', '6']])), NOW).retryAfterMs).toBe(6000);
    expect(classifyError(rateLimited(new Map([['retry-after', '8']])), NOW).retryAfterMs).toBe(8000);
  });

  it('reads a header given as an array (first value)', () => {
    expect(classifyError(rateLimited({ 'retry-after': ['9', '1'] }), NOW).retryAfterMs).toBe(9000);
  });

  it('turns an HTTP-date into the time left from `now`', () => {
    const date = new Date(NOW + 30_000).toUTCString();
    expect(classifyError(rateLimited({ 'retry-after': date }), NOW).retryAfterMs).toBe(30_000);
  });

  it('an HTTP-date in the past means no wait', () => {
    const date = new Date(NOW - 60_000).toUTCString();
    expect(classifyError(rateLimited({ 'retry-after': date }), NOW).retryAfterMs).toBe(0);
  });

  it('reads a direct retryAfter field in seconds, as number or string', () => {
    expect(classifyError(httpError(429, { retryAfter: 2 }), NOW).retryAfterMs).toBe(2000);
    expect(classifyError(httpError(429, { retryAfter: '1.5' }), NOW).retryAfterMs).toBe(1500);
    const date = new Date(NOW + 10_000).toUTCString();
    expect(classifyError(httpError(429, { retryAfter: date }), NOW).retryAfterMs).toBe(10_000);
  });

  it.each([['soon'], ['-5'], ['1e3'], [''], ['  '], ['2 seconds'], ['12:00'], ['Mon, 99 Foo 20xx']])(
    'ignores the garbage value %j',
    (value) => {
      const result = classifyError(rateLimited({ 'retry-after': value }), NOW);
      expect(result.kind).toBe('rate_limit');
      expect(result).not.toHaveProperty('retryAfterMs');
    },
  );

  it.each([[-1], [NaN], [Infinity], [null], [{}]])('ignores a direct retryAfter of %s', (value) => {
    expect(classifyError(httpError(429, { retryAfter: value }), NOW)).not.toHaveProperty('retryAfterMs');
  });

  it('falls through a garbage direct field to a valid header', () => {
    const err = httpError(429, { retryAfter: 'soon', headers: { 'retry-after': '2' } });
    expect(classifyError(err, NOW).retryAfterMs).toBe(2000);
  });

  it('keeps Retry-After on a 503 too', () => {
    expect(classifyError(httpError(503, { headers: { 'retry-after': '1' } }), NOW)).toMatchObject({
      kind: 'server', retryAfterMs: 1000,
    });
  });

  it('survives a headers object whose get throws', () => {
    const headers = { get: () => { throw new Error('boom'); }, 'retry-after': '3' };
    expect(classifyError(rateLimited(headers), NOW).retryAfterMs).toBe(3000);
  });
});

describe('classifyError: Node error codes', () => {
  const codes = [
    'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH',
    'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
  ];
  it.each(codes)('%s on the error → connection', (code) => {
    expect(classifyError(Object.assign(new Error('net'), { code }), NOW)).toEqual({ kind: 'connection', message: 'net' });
  });

  it.each(codes)('%s on the cause (fetch failed) → connection', (code) => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('inner'), { code }) });
    expect(classifyError(err, NOW)).toEqual({ kind: 'connection', message: 'fetch failed' });
  });

  it('finds a code a few causes deep', () => {
    const deep = new Error('a', { cause: new Error('b', { cause: { code: 'ECONNRESET' } }) });
    expect(classifyError(deep, NOW).kind).toBe('connection');
  });

  it('does not loop on a cyclic cause chain', () => {
    const err: Error & { cause?: unknown } = new Error('cycle');
    err.cause = err;
    expect(classifyError(err, NOW).kind).toBe('unknown');
  });

  it.each([['ENOENT'], ['EACCES'], [104], ['econnreset']])('an unrelated code %s → unknown', (code) => {
    expect(classifyError(Object.assign(new Error('x'), { code }), NOW).kind).toBe('unknown');
  });
});

describe('classifyError: names and TaskError shapes', () => {
  it('TimeoutError → timeout', () => {
    expect(classifyError(new DOMException('signal timed out', 'TimeoutError'), NOW)).toEqual({
      kind: 'timeout', message: 'signal timed out',
    });
  });

  it('AbortError → cancelled', () => {
    expect(classifyError(new DOMException('aborted', 'AbortError'), NOW).kind).toBe('cancelled');
    const err = Object.assign(new Error('stop'), { name: 'AbortError' });
    expect(classifyError(err, NOW).kind).toBe('cancelled');
  });

  it('AbortSignal.timeout reason → timeout', () => {
    const signal = AbortSignal.timeout(0);
    return new Promise<void>((done) => {
      signal.addEventListener('abort', () => {
        expect(classifyError(signal.reason, NOW).kind).toBe('timeout');
        done();
      });
    });
  });

  it.each(ERROR_KINDS.map((k) => [k]))('a TaskError of kind %s passes through', (kind) => {
    const taskError = { kind, message: 'from the journal', status: 500, retryAfterMs: 1200 };
    expect(classifyError(taskError, NOW)).toEqual(taskError);
  });

  it('a TaskError shape wins over its status', () => {
    expect(classifyError({ kind: 'crash', message: 'process died', status: 404 }, NOW)).toEqual({
      kind: 'crash', message: 'process died', status: 404,
    });
  });

  it('an object with an invalid kind is classified normally', () => {
    expect(classifyError({ kind: 'bogus', message: 'x', status: 503 }, NOW)).toEqual({
      kind: 'server', message: 'x', status: 503,
    });
  });

  it('drops ill-formed optional fields of a TaskError shape', () => {
    expect(classifyError({ kind: 'server', message: 'x', status: 'abc', retryAfterMs: -1 }, NOW)).toEqual({
      kind: 'server', message: 'x',
    });
  });

  it('an Error without status, name or code → unknown', () => {
    expect(classifyError(new Error('weird'), NOW)).toEqual({ kind: 'unknown', message: 'weird' });
  });
});

describe('classifyError: whatever was thrown', () => {
  it.each([
    ['a string', 'it broke', 'it broke'],
    ['a number', 42, '42'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a boolean', false, 'false'],
    ['a bigint', 10n, '10'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
  ])('%s → unknown with a string message', (_label, value, message) => {
    expect(classifyError(value, NOW)).toEqual({ kind: 'unknown', message });
  });

  it('a plain object: its message field, else a description', () => {
    expect(classifyError({ message: 'plain' }, NOW)).toEqual({ kind: 'unknown', message: 'plain' });
    expect(classifyError({ message: 12 }, NOW).message).toBe('non-Error value thrown: object');
    expect(classifyError({}, NOW).message).toBe('non-Error value thrown: object');
    expect(classifyError([1, 2], NOW).message).toBe('non-Error value thrown: array');
    expect(classifyError(() => 1, NOW).message).toBe('non-Error value thrown: function');
  });

  it('an Error with an empty message is named by its class', () => {
    expect(classifyError(new TypeError(''), NOW).message).toBe('TypeError');
  });

  it('an object whose getters all throw', () => {
    const hostile = {};
    for (const key of ['message', 'status', 'statusCode', 'response', 'headers', 'code', 'cause', 'name', 'kind', 'retryAfter']) {
      Object.defineProperty(hostile, key, { get: () => { throw new Error(`getter ${key}`); } });
    }
    expect(classifyError(hostile, NOW)).toEqual({ kind: 'unknown', message: 'non-Error value thrown: object' });
  });

  it('a getter that throws does not hide the fields that can be read', () => {
    const err = Object.defineProperty(httpError(503), 'headers', { get: () => { throw new Error('no'); } });
    expect(classifyError(err, NOW)).toEqual({ kind: 'server', message: 'HTTP 503', status: 503 });
  });

  it('a Proxy that throws on every trap', () => {
    const trap = (): never => { throw new Error('trap'); };
    const proxy = new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
    const result = classifyError(proxy, NOW);
    expect(result.kind).toBe('unknown');
    expect(typeof result.message).toBe('string');
  });

  it('a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(classifyError(proxy, NOW)).toEqual({ kind: 'unknown', message: 'unreadable value thrown' });
  });

  it('truncates messages to 500 characters', () => {
    const long = 'x'.repeat(10_000);
    for (const thrown of [new Error(long), long, { message: long }, { kind: 'server', message: long }]) {
      const { message } = classifyError(thrown, NOW);
      expect(message.length).toBe(500);
      expect(message.startsWith('x'.repeat(499))).toBe(true);
    }
    expect(classifyError('y'.repeat(500), NOW).message).toBe('y'.repeat(500));
  });
});

describe('classifyError: embedder override', () => {
  it('goes first and wins', () => {
    const result = classifyError(httpError(503), NOW, () => ({ kind: 'auth', message: 'mine' }));
    expect(result).toEqual({ kind: 'auth', message: 'mine' });
  });

  it('fills a missing message from the error', () => {
    expect(classifyError(new Error('original'), NOW, () => ({ kind: 'validation' }))).toEqual({
      kind: 'validation', message: 'original',
    });
  });

  it('keeps well-formed status and retryAfterMs from the override', () => {
    const result = classifyError('x', NOW, () => ({ kind: 'rate_limit', status: 429, retryAfterMs: 750 }));
    expect(result).toEqual({ kind: 'rate_limit', message: 'x', status: 429, retryAfterMs: 750 });
  });

  it('receives the thrown value', () => {
    const thrown = new Error('seen');
    let seen: unknown;
    classifyError(thrown, NOW, (err) => { seen = err; return undefined; });
    expect(seen).toBe(thrown);
  });

  it.each([
    ['undefined', undefined],
    ['an object without kind', { message: 'no kind' }],
    ['an invalid kind', { kind: 'nope' }],
  ])('returning %s falls back to the built-in rules', (_label, returned) => {
    const override = (): Partial<TaskError> | undefined => returned as Partial<TaskError> | undefined;
    expect(classifyError(httpError(503), NOW, override)).toEqual({ kind: 'server', message: 'HTTP 503', status: 503 });
  });

  it('an override that throws is ignored', () => {
    const override = (): never => { throw new Error('bad classifier'); };
    expect(classifyError(httpError(404), NOW, override)).toEqual({ kind: 'not_found', message: 'HTTP 404', status: 404 });
  });
});

describe('classifyError: property', () => {
  it('never throws and always returns a valid kind and a short string message', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withNullPrototype: true }), fc.integer(), (value, now) => {
        const result = classifyError(value, now);
        expect(ERROR_KINDS).toContain(result.kind);
        expect(typeof result.message).toBe('string');
        expect(result.message.length).toBeLessThanOrEqual(500);
        if (result.retryAfterMs !== undefined) expect(result.retryAfterMs).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });
});
