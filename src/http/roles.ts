// Who may do what: the three roles, the named-token list, and the role each request needs.
import { WardenError } from '../errors.ts';

import { ROLES, type NamedToken, type Role } from '../types.ts';

export { ROLES, type NamedToken, type Role };

/** Who a request comes from, once its token matched (`anonymous` admin when no token is configured). */
export interface Principal {
  name: string;
  role: Role;
}

/** What hono/bearer-auth accepts as a token (RFC 6750 b64token). */
export const TOKEN_SHAPE = /^[A-Za-z0-9._~+/-]+=*$/;
const NAME_SHAPE = /^[A-Za-z0-9._@-]{1,64}$/;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function allows(has: Role, needs: Role): boolean {
  return RANK[has] >= RANK[needs];
}

/** Operator actions: a task's commands and callbacks, submitting, a breaker reset. */
const OPERATOR_ROUTES: readonly RegExp[] = [
  /^\/api\/tasks\/?$/,
  /^\/api\/tasks\/[^/]+\/(cancel|retry|resolve|started|heartbeat|success|failure)\/?$/,
  /^\/api\/health\/circuit-breakers\/[^/]+\/reset\/?$/,
];

/** Reads (and the event stream) are a viewer's; the operator routes above; anything else that acts is an admin's. */
export function requiredRole(method: string, path: string): Role {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'viewer';
  if (method === 'POST' && OPERATOR_ROUTES.some((re) => re.test(path))) return 'operator';
  return 'admin';
}

/** The configured tokens as one list, each field checked: a clear invalid_config naming what is wrong. */
export function normalizeTokens(token: string | undefined, tokens: readonly NamedToken[] | undefined): NamedToken[] {
  const list: NamedToken[] = [];
  if (tokens !== undefined && !Array.isArray(tokens)) {
    throw new WardenError('invalid_config', 'tokens must be a list of { name, token, role }', { field: 'tokens' });
  }
  (tokens ?? []).forEach((t: unknown, i) => list.push(checkToken(t, `tokens[${i}]`)));
  if (token !== undefined) list.push(checkToken({ name: 'admin', token, role: 'admin' }, 'token'));
  const names = new Set<string>();
  const values = new Set<string>();
  list.forEach((t, i) => {
    const field = i < (tokens?.length ?? 0) ? `tokens[${i}]` : 'token';
    if (names.has(t.name)) throw new WardenError('invalid_config', `${field}.name: "${t.name}" is used twice`, { field: `${field}.name` });
    if (values.has(t.token)) throw new WardenError('invalid_config', `${field}.token: the same token is given twice`, { field: `${field}.token` });
    names.add(t.name);
    values.add(t.token);
  });
  return list;
}

function checkToken(t: unknown, field: string): NamedToken {
  if (typeof t !== 'object' || t === null) throw new WardenError('invalid_config', `${field} must be { name, token, role }`, { field });
  const { name, token, role } = t as Record<string, unknown>;
  if (field === 'token' && typeof token === 'string' && !TOKEN_SHAPE.test(token)) {
    throw new WardenError('invalid_config', 'token must match [A-Za-z0-9._~+/-]+=* (an RFC 6750 bearer token)', { field: 'token' });
  }
  if (typeof name !== 'string' || !NAME_SHAPE.test(name)) {
    throw new WardenError('invalid_config', `${field}.name must be 1 to 64 of [A-Za-z0-9._@-]`, { field: `${field}.name` });
  }
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) {
    throw new WardenError('invalid_config', `${field}.token must match [A-Za-z0-9._~+/-]+=* (an RFC 6750 bearer token)`, {
      field: `${field}.token`,
    });
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new WardenError('invalid_config', `${field}.role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`, {
      field: `${field}.role`,
    });
  }
  return { name, token, role: role as Role };
}
