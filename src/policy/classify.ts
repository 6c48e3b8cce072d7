// Turns anything an agent threw into a TaskError, once; afterwards only that plain object travels.
import { ERROR_KINDS, type ErrorKind, type TaskError } from '../types.ts';
import { isBag, isErrorInstance, path, prop, stringProp } from './read.ts';
import { retryAfterMs } from './retry-after.ts';
import { kindFromClass, unwrapRetries } from './sdk-errors.ts';

export type ErrorClassifier = (err: unknown) => Partial<TaskError> | undefined;

const MAX_MESSAGE = 500;
const MAX_CAUSE_DEPTH = 5;
const STATUS_SOURCES: readonly (readonly string[])[] = [['status'], ['statusCode'], ['response', 'status']];

const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH',
  'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

const KIND_BY_STATUS: ReadonlyMap<number, ErrorKind> = new Map<number, ErrorKind>([
  [429, 'rate_limit'], [401, 'auth'], [403, 'auth'], [404, 'not_found'],
  [400, 'validation'], [422, 'validation'], [408, 'timeout'],
]);

export function classifyError(err: unknown, now: number, override?: ErrorClassifier): TaskError {
  try {
    return fromOverride(err, override) ?? fromTaskErrorShape(err) ?? builtIn(err, now);
  } catch {
    // Only reachable through hostile values (e.g. a Proxy that throws on every trap).
    return { kind: 'unknown', message: 'unreadable value thrown' };
  }
}

function builtIn(thrown: unknown, now: number): TaskError {
  // An SDK that retried on its own wraps the last attempt's error: that one says what happened.
  const { error: err, sdkAttempts } = unwrapRetries(thrown);
  const status = httpStatus(err);
  const kind = kindFromClass(err) ?? kindFromName(err) ?? kindFromStatus(status) ?? kindFromCode(err) ?? 'unknown';
  const message = sdkAttempts === undefined ? messageOf(err) : truncate(`${rawMessage(err)} (the SDK's own retries made ${sdkAttempts} attempts)`);
  const result: TaskError = { kind, message };
  if (status !== undefined) result.status = status;
  const wait = retryAfterMs(err, now);
  if (wait !== undefined) result.retryAfterMs = wait;
  return result;
}

function fromOverride(err: unknown, override: ErrorClassifier | undefined): TaskError | undefined {
  if (!override) return undefined;
  let partial: unknown;
  try {
    partial = override(err);
  } catch {
    return undefined; // a broken embedder classifier must not hide the real failure
  }
  return completeTaskError(partial, err);
}

function fromTaskErrorShape(err: unknown): TaskError | undefined {
  return typeof prop(err, 'message') === 'string' ? completeTaskError(err, err) : undefined;
}

/** Keeps only the well-formed fields of `partial`; undefined unless its kind is valid. */
function completeTaskError(partial: unknown, err: unknown): TaskError | undefined {
  const kind = prop(partial, 'kind');
  if (!isErrorKind(kind)) return undefined;
  const message = stringProp(partial, 'message');
  const result: TaskError = { kind, message: message === undefined ? messageOf(err) : truncate(message) };
  const status = prop(partial, 'status');
  if (typeof status === 'number' && Number.isInteger(status)) result.status = status;
  const wait = prop(partial, 'retryAfterMs');
  if (typeof wait === 'number' && Number.isFinite(wait) && wait >= 0) result.retryAfterMs = Math.round(wait);
  return result;
}

function isErrorKind(x: unknown): x is ErrorKind {
  return typeof x === 'string' && (ERROR_KINDS as readonly string[]).includes(x);
}

function kindFromName(err: unknown): ErrorKind | undefined {
  const name = prop(err, 'name');
  if (name === 'TimeoutError') return 'timeout';
  if (name === 'AbortError') return 'cancelled';
  return undefined;
}

export function httpStatus(err: unknown): number | undefined {
  for (const keys of STATUS_SOURCES) {
    const status = toStatus(path(err, keys));
    if (status !== undefined) return status;
  }
  return undefined;
}

function toStatus(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d{3}\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function kindFromStatus(status: number | undefined): ErrorKind | undefined {
  if (status === undefined) return undefined;
  return KIND_BY_STATUS.get(status) ?? (status >= 500 ? 'server' : undefined);
}

/** Node puts `code` on the error itself; fetch (undici) puts it on `cause`. */
function kindFromCode(err: unknown): ErrorKind | undefined {
  let current = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && isBag(current); depth++) {
    const code = prop(current, 'code');
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection';
    current = prop(current, 'cause');
  }
  return undefined;
}

export function messageOf(err: unknown): string {
  return truncate(rawMessage(err));
}

function rawMessage(err: unknown): string {
  if (!isBag(err)) return String(err);
  const message = stringProp(err, 'message');
  if (message) return message;
  if (isErrorInstance(err)) return stringProp(err, 'name') || 'Error';
  return `non-Error value thrown: ${Array.isArray(err) ? 'array' : typeof err}`;
}

function truncate(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}
