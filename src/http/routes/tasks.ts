// Tasks: submit, list, read, history, the operator's commands and an external executor's callbacks.
import { Hono } from 'hono';
import { WardenError } from '../../errors.ts';
import { submitSchema } from '../../api.ts';
import type { ActionOptions, Warden } from '../../api.ts';
import type { TaskView } from '../../types.ts';
import { principalOf } from '../auth.ts';
import { readJson } from '../body.ts';
import { HttpError } from '../errors.ts';
import { toReportedError } from '../failure.ts';
import { actionBody, failureBody, listQuery, outputBody, parseOr400, queryOf, retryBody } from '../validate.ts';

export function taskRoutes(warden: Warden, now: () => number): Hono {
  const r = new Hono();

  r.post('/', async (c) => {
    const req = parseOr400(submitSchema, await readJson(c), 'body');
    const { id, created } = await warden.submit(req);
    return c.json(mustGet(warden, id), created ? 201 : 200);
  });

  r.get('/', (c) => {
    const q = parseOr400(listQuery, queryOf(c), 'query');
    // An unknown agent is refused as on POST, not answered with an empty list that looks like "no tasks".
    const known = warden.agents().map((a) => a.name);
    if (q.agent !== undefined && !known.includes(q.agent)) {
      throw new HttpError(400, 'invalid_input', `agent: unknown agent "${q.agent}" (known: ${known.join(', ')})`, { field: 'agent' });
    }
    return c.json(warden.list(q));
  });

  r.get('/:id', (c) => c.json(mustGet(warden, c.req.param('id'))));

  // Times as ISO strings, like the task JSON.
  r.get('/:id/history', (c) => c.json(warden.history(c.req.param('id')).map((h) => ({ ...h, at: new Date(h.at).toISOString() }))));

  const commands: Record<string, (id: string, who: ActionOptions) => Promise<TaskView>> = {
    cancel: (id, who) => warden.cancel(id, who),
    started: (id) => warden.heartbeat(id),
    heartbeat: (id) => warden.heartbeat(id),
  };
  for (const [name, run] of Object.entries(commands)) {
    r.post(`/:id/${name}`, async (c) => {
      const body = parseOr400(actionBody, await readJson(c), 'body');
      return c.json(await run(c.req.param('id'), { by: principalOf(c).name, reason: body.reason }));
    });
  }

  r.post('/:id/retry', async (c) => {
    const body = parseOr400(retryBody, await readJson(c), 'body');
    return c.json(await warden.retry(c.req.param('id'), { by: principalOf(c).name, reason: body.reason, budget: body.budget }));
  });

  r.post('/:id/resolve', async (c) => {
    const body = parseOr400(outputBody, await readJson(c), 'body');
    return c.json(await warden.resolve(c.req.param('id'), body.output ?? null, { by: principalOf(c).name, reason: body.reason }));
  });

  r.post('/:id/success', async (c) => {
    const body = parseOr400(outputBody, await readJson(c), 'body');
    return c.json(await warden.reportSuccess(c.req.param('id'), body.output ?? null));
  });

  r.post('/:id/failure', async (c) => {
    const body = parseOr400(failureBody, await readJson(c), 'body');
    return c.json(await warden.reportFailure(c.req.param('id'), toReportedError(body.error, now())));
  });

  return r;
}

function mustGet(warden: Warden, id: string): TaskView {
  const task = warden.get(id);
  if (!task) throw new WardenError('not_found', `no task with id ${id}`, { id });
  return task;
}
