// Retry-After, wherever an HTTP client put it: a `retryAfter` field, `headers` or
// `response.headers`, as a plain object or a WHATWG `Headers`; seconds or an HTTP-date.
import { isBag, path, prop } from './read.ts';

type HeaderGetter = (this: unknown, name: string) => unknown;

const SECONDS = /^\s*\d+(?:\.\d+)?\s*$/;
const SOURCES: readonly (readonly string[])[] = [['headers'], ['response', 'headers']];

export function retryAfterMs(err: unknown, now: number): number | undefined {
  const direct = parseRetryAfter(prop(err, 'retryAfter'), now);
  if (direct !== undefined) return direct;
  for (const keys of SOURCES) {
    const parsed = parseRetryAfter(headerValue(path(err, keys)), now);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (Array.isArray(value)) return parseRetryAfter(value[0], now);
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
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

function headerValue(headers: unknown): unknown {
  if (!isBag(headers)) return undefined;
  const get = prop(headers, 'get');
  if (typeof get === 'function') {
    const viaGet = callGet(headers, get as HeaderGetter);
    if (viaGet !== undefined && viaGet !== null) return viaGet;
  }
  return fromPlainObject(headers);
}

// WHATWG Headers.get is case-insensitive; a Map is not, so ask for both spellings.
function callGet(headers: object, get: HeaderGetter): unknown {
  try {
    return get.call(headers, 'retry-after') ?? get.call(headers, 'Retry-After');
  } catch {
    return undefined;
  }
}

function fromPlainObject(headers: object): unknown {
  try {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
    return key === undefined ? undefined : prop(headers, key);
  } catch {
    return undefined;
  }
}
