// What the LLM client SDKs throw, read by shape (duck typing: Warden never imports them).
// - openai / @anthropic-ai/sdk: `APIError` subclasses carry `status` and a WHATWG `Headers`; their
//   connection, timeout and abort errors carry no status and are told apart by class. openai's errors
//   have the plain `name` 'Error', so the constructor's name is read, then `name`.
// - Vercel AI SDK (`ai`): `APICallError` carries `statusCode` and `responseHeaders` (a plain record);
//   after its own retries it throws `RetryError` with `lastError` and `errors`.
import type { ErrorKind } from '../types.ts';
import { isBag, prop, stringProp } from './read.ts';

const KIND_BY_CLASS: ReadonlyMap<string, ErrorKind> = new Map<string, ErrorKind>([
  ['APIConnectionTimeoutError', 'timeout'],
  ['APIConnectionError', 'connection'],
  ['APIUserAbortError', 'cancelled'],
  ['AI_LoadAPIKeyError', 'auth'],
  ['LoadAPIKeyError', 'auth'],
]);

const MAX_WRAPS = 5;

/** The kind an SDK error's class names, if it is one of the classes above. */
export function kindFromClass(err: unknown): ErrorKind | undefined {
  const ctor = isBag(err) ? prop(Object.getPrototypeOf(err), 'constructor') : undefined;
  const ctorName = typeof ctor === 'function' ? stringProp(ctor, 'name') : undefined;
  return (ctorName && KIND_BY_CLASS.get(ctorName)) || KIND_BY_CLASS.get(stringProp(err, 'name') ?? '');
}

/** A retry wrapper (the AI SDK's `RetryError`): `lastError` plus the list of all its attempts' errors. */
export function isRetryWrapper(err: unknown): boolean {
  const name = stringProp(err, 'name');
  return (name === 'AI_RetryError' || name === 'RetryError') && isBag(prop(err, 'lastError')) && Array.isArray(prop(err, 'errors'));
}

/** The innermost meaningful error: through retry wrappers to the last attempt's own error. */
export function unwrapRetries(err: unknown): { error: unknown; sdkAttempts?: number } {
  let current = err;
  let sdkAttempts: number | undefined;
  for (let i = 0; i < MAX_WRAPS && isRetryWrapper(current); i++) {
    sdkAttempts ??= (prop(current, 'errors') as unknown[]).length;
    current = prop(current, 'lastError');
  }
  return sdkAttempts === undefined ? { error: current } : { error: current, sdkAttempts };
}
