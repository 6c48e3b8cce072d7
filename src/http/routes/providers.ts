// Providers: every provider's rate-limit gate, and an admin's opening of a closed one.
import { Hono } from 'hono';
import type { Warden } from '../../api.ts';
import { principalOf } from '../auth.ts';
import { readJson } from '../body.ts';
import { actionBody, parseOr400 } from '../validate.ts';

export function providerRoutes(warden: Warden): Hono {
  const r = new Hono();

  r.get('/', (c) => c.json(warden.providers()));

  r.post('/:provider/open', async (c) => {
    const body = parseOr400(actionBody, await readJson(c), 'body');
    return c.json(warden.openGate(c.req.param('provider'), { by: principalOf(c).name, reason: body.reason }));
  });

  return r;
}
