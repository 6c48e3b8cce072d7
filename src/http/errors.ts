// Every error leaves the control plane here, in one shape: `{ error: { code, message, details? } }`.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { isWardenError, type WardenErrorCode } from '../errors.ts';

export type HttpErrorCode =
  | WardenErrorCode
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'internal';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const BRAND = Symbol.for('warden.http-error');

/** An error the HTTP layer raises itself (bad body, bad query, …); onError turns it into a response. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly [BRAND] = true;
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}

const STATUS_BY_CODE: Partial<Record<WardenErrorCode, ContentfulStatusCode>> = {
  invalid_transition: 409,
  conflict: 409,
  not_found: 404,
  invalid_input: 400,
  invalid_config: 400,
  not_running: 503,
  cancelled: 409,
  store_unavailable: 503,
};

const CODE_BY_STATUS: Partial<Record<number, HttpErrorCode>> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

export function errorResponse(
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: Record<string, unknown>,
  headers?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(errorBody(code, message, details)), {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
  });
}

export function createErrorHandler(logger: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (isHttpError(err)) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (isWardenError(err)) {
      const status = STATUS_BY_CODE[err.code];
      if (status !== undefined) return c.json(errorBody(err.code, err.message, err.details), status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Only our own middleware (auth) attaches a response, already in the error shape.
      if (err.res) return err.getResponse();
      const code = CODE_BY_STATUS[err.status] ?? 'invalid_input';
      return c.json(errorBody(code, err.message || code), err.status as ContentfulStatusCode);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json(errorBody('internal', 'internal error'), 500);
  };
}

export const notFound: NotFoundHandler = (c) =>
  c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404);
