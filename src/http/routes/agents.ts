// Agents: list, one, the operator's restart / stop / start, and an admin's add (start_child) / remove (delete_child).
import { Hono } from 'hono';
import type { ActionOptions, Warden } from '../../api.ts';
import { principalOf } from '../auth.ts';
import { addAgentBody } from '../agent-body.ts';
import { readJson } from '../body.ts';
import { HttpError } from '../errors.ts';
import { isWardenError } from '../../errors.ts';
import { actionBody, parseOr400 } from '../validate.ts';

export function agentRoutes(warden: Warden): Hono {
  const r = new Hono();

  r.get('/', (c) => c.json(warden.agents()));

  r.get('/:name', (c) => c.json(warden.agent(c.req.param('name'))));

  r.post('/', async (c) => {
    const { name, supervisor, ...def } = parseOr400(addAgentBody, await readJson(c), 'body');
    try {
      return c.json(await warden.addAgent(name, def, supervisor === undefined ? {} : { supervisor }), 201);
    } catch (err) {
      throw bodyField(err);
    }
  });

  r.delete('/:name', async (c) => {
    const name = c.req.param('name');
    await warden.removeAgent(name);
    return c.json({ name, removed: true });
  });

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

/** The library names a bad setting `def.x`; over HTTP the settings are the body's own fields. */
function bodyField(err: unknown): unknown {
  const field = isWardenError(err) ? err.details?.['field'] : undefined;
  if (!isWardenError(err) || err.code !== 'invalid_input' || typeof field !== 'string' || !field.startsWith('def.')) return err;
  const own = field.slice(4);
  return new HttpError(400, 'invalid_input', err.message.replace(field, own), { ...err.details, field: own });
}
