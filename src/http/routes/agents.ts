// Agents: list, one, and the operator's restart / stop / start.
import { Hono } from 'hono';
import type { Warden } from '../../api.ts';
import { readJson } from '../body.ts';
import { actionBody, parseOr400 } from '../validate.ts';

export function agentRoutes(warden: Warden): Hono {
  const r = new Hono();

  r.get('/', (c) => c.json(warden.agents()));

  r.get('/:name', (c) => c.json(warden.agent(c.req.param('name'))));

  const actions = {
    restart: (name: string) => warden.restartAgent(name),
    stop: (name: string) => warden.stopAgent(name),
    start: (name: string) => warden.startAgent(name),
  } as const;

  for (const [action, run] of Object.entries(actions)) {
    r.post(`/:name/${action}`, async (c) => {
      parseOr400(actionBody, await readJson(c), 'body');
      return c.json(run(c.req.param('name')));
    });
  }

  return r;
}
