// Bearer auth on everything but the open endpoints; every refusal is a 401 in the error shape.
import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { WardenError } from '../errors.ts';
import { errorResponse } from './errors.ts';

/** GET (and HEAD) on these paths needs no token. */
export const OPEN_PATHS: readonly string[] = ['/health', '/ready', '/metrics', '/', '/openapi.json'];

/** What hono/bearer-auth accepts as a token (RFC 6750 b64token). */
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/-]+=*$/;

export function isOpen(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && OPEN_PATHS.includes(path);
}

export function createAuth(token: string | undefined): MiddlewareHandler {
  if (token === undefined) return async (_c, next) => next();
  if (!TOKEN_SHAPE.test(token)) {
    throw new WardenError('invalid_config', 'token must match [A-Za-z0-9._~+/-]+=* (an RFC 6750 bearer token)', {
      field: 'token',
    });
  }
  const refuse = (message: string) => () => errorResponse(401, 'unauthorized', message);
  const bearer = bearerAuth({
    token,
    noAuthenticationHeader: { message: refuse('missing bearer token') },
    // A malformed header is refused like a wrong token: 401, not bearer-auth's 400.
    invalidAuthenticationHeader: { message: refuse('invalid bearer token') },
    invalidToken: { message: refuse('invalid bearer token') },
  });
  return async (c, next) => (isOpen(c.req.method, c.req.path) ? next() : bearer(c, next));
}
