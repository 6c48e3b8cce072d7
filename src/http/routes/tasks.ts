// Tasks: submit, list, read, history, the operator's commands and an external executor's callbacks.
import { Hono } from 'hono';
import { WardenError } from '../../errors.ts';
import { submitSchema } from '../../api.ts';
import type { Warden } from '../../api.ts';
import type { TaskView } from '../../types.ts';
import { readJson } from '../body.ts';
import { toReportedError } from '../failure.ts';
import { actionBody, failureBody, listQuery, outputBody, parseOr400 } from '../validate.ts';

export function taskRoutes(warden: Warden, now: () => number): Hono {
  const r = new Hono();

  r.post('/', async (c) => {
    const req = parseOr400(submitSchema, await readJson(c), 'body');
    const { id, created } = await warden.submit(req);
    return c.json(mustGet(warden, id), created ? 201 : 200);
  });

  r.get('/', (c) => c.json(warden.list(parseOr400(listQuery, c.req.query(), 'query'))));

  r.get('/:id', (c) => c.json(mustGet(warden, c.req.param('id'))));

  r.get('/:id/history', (c) => c.json(warden.history(c.req.param('id'))));

  const commands: Record<string, (id: string) => Promise<TaskView>> = {
    cancel: (id) => warden.cancel(id),
    retry: (id) => warden.retry(id),
    started: (id) => warden.heartbeat(id),
    heartbeat: (id) => warden.heartbeat(id),
  };
  for (const [name, run] of Object.entries(commands)) {
    r.post(`/:id/${name}`, async (c) => {
      parseOr400(actionBody, await readJson(c), 'body');
      return c.json(await run(c.req.param('id')));
    });
  }

  r.post('/:id/resolve', async (c) => {
    const body = parseOr400(outputBody, await readJson(c), 'body');
    return c.json(await warden.resolve(c.req.param('id'), body.output ?? null));
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
