// Agents: list, one, and the operator's restart / stop / start.
import { Hono } from 'hono';
import type { ActionOptions, Warden } from '../../api.ts';
import { principalOf } from '../auth.ts';
import { readJson } from '../body.ts';
import { actionBody, parseOr400 } from '../validate.ts';

export function agentRoutes(warden: Warden): Hono {
  const r = new Hono();

  r.get('/', (c) => c.json(warden.agents()));

  r.get('/:name', (c) => c.json(warden.agent(c.req.param('name'))));

  const actions = {
    restart: (name: string, who: ActionOptions) => warden.restartAgent(name, who),
    stop: (name: string, who: ActionOptions) => warden.stopAgent(name, who),
    start: (name: string, who: ActionOptions) => warden.startAgent(name, who),
  } as const;

  for (const [action, run] of Object.entries(actions)) {
    r.post(`/:name/${action}`, async (c) => {
      const body = parseOr400(actionBody, await readJson(c), 'body');
      return c.json(run(c.req.param('name'), { by: principalOf(c).name, reason: body.reason }));
    });
  }

  return r;
}
