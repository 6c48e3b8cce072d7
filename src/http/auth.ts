// Bearer auth on everything but the open endpoints (401), then the role check (403 forbidden).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { errorResponse } from './errors.ts';
import { allows, normalizeTokens, requiredRole, type NamedToken, type Principal } from './roles.ts';

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

/** GET (and HEAD) on these paths needs no token. */
export const OPEN_PATHS: readonly string[] = ['/health', '/ready', '/metrics', '/', '/openapi.json'];

/** Who acts when no token is configured: the control plane is then open (loopback only) and anyone is an admin. */
export const ANONYMOUS: Principal = { name: 'anonymous', role: 'admin' };

export function isOpen(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && OPEN_PATHS.includes(path);
}

/** The principal the auth middleware found for this request. */
export function principalOf(c: Context): Principal {
  return c.get('principal') ?? ANONYMOUS;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createAuth(token: string | undefined, tokens?: readonly NamedToken[]): MiddlewareHandler {
  const list = normalizeTokens(token, tokens);
  if (list.length === 0) {
    return async (c, next) => {
      c.set('principal', ANONYMOUS);
      return next();
    };
  }
  // Digests of equal length, compared with timingSafeEqual against every token: no early exit tells which matched.
  const known = list.map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }));
  const find = (presented: string): Principal | undefined => {
    const d = digest(presented);
    let found: Principal | undefined;
    for (const k of known) if (timingSafeEqual(d, k.digest)) found = k.principal;
    return found;
  };
  return async (c, next) => {
    if (isOpen(c.req.method, c.req.path)) return next();
    const header = c.req.header('authorization');
    if (header === undefined) return errorResponse(401, 'unauthorized', 'missing bearer token', undefined, { 'www-authenticate': 'Bearer realm="warden"' });
    // A malformed header is refused like a wrong token: 401.
    const m = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
    const who = m?.[1] === undefined ? undefined : find(m[1]);
    if (!who) {
      return errorResponse(401, 'unauthorized', 'invalid bearer token', undefined, { 'www-authenticate': 'Bearer realm="warden", error="invalid_token"' });
    }
    const needs = requiredRole(c.req.method, c.req.path);
    if (!allows(who.role, needs)) {
      return errorResponse(403, 'forbidden', `${who.name} (${who.role}) may not ${c.req.method} ${c.req.path}: it needs the ${needs} role`, {
        role: who.role,
        needs,
      });
    }
    c.set('principal', who);
    return next();
  };
}
