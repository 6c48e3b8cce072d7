// GET /openapi.json: an OpenAPI 3.1 document whose request schemas are generated (z.toJSONSchema) from
// the same zod schemas the routes validate with, so the document cannot drift from the validation.
// The route table below is checked against the app's registered routes by test/http/openapi.test.ts.
import type { Hono } from 'hono';
import { z } from 'zod';
import { submitSchema } from '../api.ts';
import { addAgentBody } from './agent-body.ts';
import { actionBody, alertsQuery, eventsQuery, failureBody, listQuery, outputBody, retryBody } from './validate.ts';

type Method = 'get' | 'post' | 'delete';
type ZodObj = z.ZodObject<z.ZodRawShape>;

interface Route {
  method: Method;
  /** Hono's spelling, `:param` */
  path: string;
  summary: string;
  /** false: open to all */
  auth: boolean;
  query?: ZodObj;
  body?: z.ZodType;
  /** the success status and what it carries */
  ok: { status: number; description: string; type?: 'json' | 'text' | 'html' | 'sse' };
  /** error statuses the route may answer besides 400/401 */
  errors?: number[];
}

const task = { status: 200, description: 'the task' } as const;
const cmd = (name: string, summary: string, body: z.ZodType = actionBody, errors = [404, 409]): Route => ({
  method: 'post', path: `/api/tasks/:id/${name}`, summary, auth: true, body, ok: task, errors,
});
const agentCmd = (name: string): Route => ({
  method: 'post', path: `/api/agents/:name/${name}`, summary: `${name} the agent`, auth: true, body: actionBody,
  ok: { status: 200, description: 'the agent' }, errors: [404],
});

export const ROUTES: Route[] = [
  { method: 'get', path: '/', summary: 'the dashboard page', auth: false, ok: { status: 200, description: 'HTML', type: 'html' } },
  { method: 'get', path: '/health', summary: 'liveness', auth: false, ok: { status: 200, description: '{ status: "ok" }' } },
  { method: 'get', path: '/ready', summary: 'readiness: 200 once running, 503 before and while stopping', auth: false, ok: { status: 200, description: 'ready' }, errors: [503] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', auth: false, ok: { status: 200, description: 'Prometheus text', type: 'text' } },
  { method: 'get', path: '/openapi.json', summary: 'this document', auth: false, ok: { status: 200, description: 'OpenAPI 3.1' } },
  { method: 'get', path: '/api/health/detailed', summary: 'health with agents, breakers, supervisors and task counts', auth: true, ok: { status: 200, description: 'detailed health' } },
  { method: 'get', path: '/api/health/circuit-breakers', summary: 'every circuit breaker', auth: true, ok: { status: 200, description: 'breakers' } },
  { method: 'post', path: '/api/health/circuit-breakers/:agent/reset', summary: 'close a circuit', auth: true, body: actionBody, ok: { status: 200, description: 'the breaker' }, errors: [404] },
  { method: 'get', path: '/api/health/alerts', summary: 'alerts, newest first', auth: true, query: alertsQuery as unknown as ZodObj, ok: { status: 200, description: 'alerts' } },
  { method: 'get', path: '/api/events', summary: 'server-sent events: one `transition` event per TransitionRecord', auth: true, query: eventsQuery as unknown as ZodObj, ok: { status: 200, description: 'an event stream', type: 'sse' } },
  { method: 'get', path: '/api/whoami', summary: "the caller's token name and role: { name, role }", auth: true, ok: { status: 200, description: '{ name, role }' } },
  { method: 'get', path: '/api/agents', summary: 'every agent', auth: true, ok: { status: 200, description: 'agents' } },
  { method: 'get', path: '/api/agents/:name', summary: 'one agent', auth: true, ok: { status: 200, description: 'the agent' }, errors: [404] },
  { method: 'post', path: '/api/agents', summary: 'add an agent while running (admin): a pool member ({ name, pool }) or an external-executor agent under a supervisor', auth: true, body: addAgentBody, ok: { status: 201, description: 'the new agent' }, errors: [404, 409, 413, 415] },
  { method: 'delete', path: '/api/agents/:name', summary: 'remove a stopped agent that was added while running (admin)', auth: true, ok: { status: 200, description: '{ name, removed: true }' }, errors: [404, 409] },
  agentCmd('restart'),
  agentCmd('stop'),
  agentCmd('start'),
  { method: 'get', path: '/api/providers', summary: "every provider's rate-limit gate: [{ provider, gate, closedUntil?, agents, limits?, inFlight }]", auth: true, ok: { status: 200, description: 'providers' } },
  { method: 'post', path: '/api/providers/:provider/open', summary: 'open a CLOSED gate before its time (admin)', auth: true, body: actionBody, ok: { status: 200, description: 'the provider' }, errors: [404, 409] },
  { method: 'post', path: '/api/tasks', summary: 'submit a task (200 with the existing task for a repeated idempotencyKey)', auth: true, body: submitSchema, ok: { status: 201, description: 'the new task' }, errors: [413, 415] },
  { method: 'get', path: '/api/tasks', summary: 'list tasks in creation order (order=desc: newest first)', auth: true, query: listQuery as unknown as ZodObj, ok: { status: 200, description: '{ items, nextCursor }' } },
  { method: 'get', path: '/api/tasks/:id', summary: 'one task', auth: true, ok: task, errors: [404] },
  { method: 'get', path: '/api/tasks/:id/history', summary: 'its TransitionRecords, oldest first', auth: true, ok: { status: 200, description: 'records' }, errors: [404] },
  cmd('cancel', 'cancel the task'),
  cmd('retry', 'retry a FAILED or ESCALATED task; `budget` grants more (each field: that much more than used)', retryBody),
  cmd('resolve', 'end an ESCALATED task with an output', outputBody),
  cmd('started', 'an external executor started the attempt'),
  cmd('heartbeat', 'an external executor is still working'),
  cmd('success', 'an external executor succeeded', outputBody),
  cmd('failure', 'an external executor failed (the same policy as an in-process failure)', failureBody),
];

function schemaOf(s: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const errorSchema = schemaOf(
  z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
);

const CONTENT: Record<NonNullable<Route['ok']['type']>, string> = {
  json: 'application/json', text: 'text/plain', html: 'text/html', sse: 'text/event-stream',
};
const ERROR_TEXT: Record<number, string> = {
  400: 'a body or query that does not validate (naming the field)', 401: 'no or wrong bearer token', 403: 'the role may not act',
  404: 'unknown id or name', 409: 'a transition the state does not allow', 413: 'body over 1 MiB', 415: 'body not JSON', 503: 'not ready',
};

function operation(r: Route, secured: boolean): Record<string, unknown> {
  const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  for (const [name, field] of Object.entries(r.query?.shape ?? {})) {
    params.push({ name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema: schemaOf(field as z.ZodType) } as never);
  }
  const errors = [...(r.query || r.body ? [400] : []), ...(r.auth && secured ? [401] : []), ...(r.errors ?? [])];
  const responses: Record<string, unknown> = {
    [String(r.ok.status)]: { description: r.ok.description, content: { [CONTENT[r.ok.type ?? 'json']]: { schema: {} } } },
  };
  for (const s of errors) {
    responses[String(s)] = { description: ERROR_TEXT[s] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const op: Record<string, unknown> = { summary: r.summary, operationId: operationId(r), responses };
  if (params.length) op.parameters = params;
  if (r.body) op.requestBody = { required: false, content: { 'application/json': { schema: schemaOf(r.body) } } };
  if (r.auth && secured) op.security = [{ bearer: [] }];
  return op;
}

function operationId(r: Route): string {
  const words = r.path.split('/').filter((p) => p && p !== 'api').map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p));
  return [r.method, ...words].join('-').replace(/[^\w-]/g, '');
}

/** The document; `secured` says whether the control plane asks for a bearer token. */
export function openApiDocument(secured: boolean): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[r.path.replace(/:(\w+)/g, '{$1}')] ??= {})[r.method] = operation(r, secured);
  const components: Record<string, unknown> = { schemas: { Error: errorSchema } };
  if (secured) components.securitySchemes = { bearer: { type: 'http', scheme: 'bearer' } };
  return {
    openapi: '3.1.0',
    info: { title: 'Warden control plane', version: '0.1.0', description: 'Tasks, agents, circuits and health of one Warden process.' },
    paths,
    components,
  };
}

export function mountOpenApi(app: Hono, secured: boolean): void {
  const doc = JSON.stringify(openApiDocument(secured));
  app.get('/openapi.json', (c) => c.body(doc, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }));
}
