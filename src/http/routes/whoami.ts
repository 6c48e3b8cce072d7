// GET /api/whoami: the caller's token name and role, so a client (the dashboard) offers only what it may do.
import { Hono } from 'hono';
import { principalOf } from '../auth.ts';

export function whoamiRoutes(): Hono {
  const r = new Hono();
  r.get('/api/whoami', (c) => c.json(principalOf(c)));
  return r;
}
