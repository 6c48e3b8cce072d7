// Retry-After, wherever an HTTP client put it: a `retryAfter` field, `headers` or
// `response.headers`, as a plain object or a WHATWG `Headers`; seconds or an HTTP-date.
import { isBag, path, prop } from './read.ts';

type HeaderGetter = (this: unknown, name: string) => unknown;

const SECONDS = /^\s*\d+(?:\.\d+)?\s*$/;
const SOURCES: readonly (readonly string[])[] = [['headers'], ['responseHeaders'], ['response', 'headers']];

/** The longest wait the error asks for, in ms: never less than any of its Retry-After values says. */
export function retryAfterMs(err: unknown, now: number): number | undefined {
  const direct = parseRetryAfter(prop(err, 'retryAfter'), now);
  if (direct !== undefined) return direct;
  let longest: number | undefined;
  for (const keys of SOURCES) {
    const headers = path(err, keys);
    const seconds = parseRetryAfter(headerValue(headers, 'retry-after'), now);
    // `retry-after-ms` (sent by OpenAI and Anthropic): milliseconds, a bare number.
    const ms = parseRetryAfterMs(headerValue(headers, 'retry-after-ms'));
    for (const wait of [seconds, ms]) if (wait !== undefined && (longest === undefined || wait > longest)) longest = wait;
  }
  return longest;
}

function parseRetryAfterMs(value: unknown): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !SECONDS.test(text)) return undefined;
  const ms = Number(text);
  return Number.isFinite(ms) ? Math.ceil(ms) : undefined;
}

export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (Array.isArray(value)) return parseRetryAfter(value[0], now);
  // Rounded up: a wait is never shorter than the server asked for.
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.ceil(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  if (SECONDS.test(value)) return parseRetryAfter(Number(value), now);
  return fromHttpDate(value, now);
}

function fromHttpDate(value: string, now: number): number | undefined {
  // Date.parse accepts bare numbers such as "-5" as years; an HTTP-date always names a day or month.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** `name` in lower case */
function headerValue(headers: unknown, name: string): unknown {
  if (!isBag(headers)) return undefined;
  const get = prop(headers, 'get');
  if (typeof get === 'function') {
    const viaGet = callGet(headers, get as HeaderGetter, name);
    if (viaGet !== undefined && viaGet !== null) return viaGet;
  }
  return fromPlainObject(headers, name);
}

// WHATWG Headers.get is case-insensitive; a Map is not, so ask for both spellings.
function callGet(headers: object, get: HeaderGetter, name: string): unknown {
  try {
    return get.call(headers, name) ?? get.call(headers, name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()));
  } catch {
    return undefined;
  }
}

function fromPlainObject(headers: object, name: string): unknown {
  try {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : prop(headers, key);
  } catch {
    return undefined;
  }
}
