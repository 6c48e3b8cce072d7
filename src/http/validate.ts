// zod at the edge: a failed parse becomes a 400 naming the field, and the schemas for queries and bodies.
import type { Context } from 'hono';
import { z } from 'zod';
import { inputMessage } from '../api.ts';
import { budgetSchema, parseRetryAfter } from '../api.ts';
import { ERROR_KINDS, TASK_STATUSES } from '../types.ts';
import { HttpError } from './errors.ts';

export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, root: 'body' | 'query'): z.output<S> {
  const parsed = schema.safeParse(value, { error: inputMessage });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = issue?.path.map(String) ?? [];
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) keys.push(issue.keys[0]);
  const field = keys.length > 0 ? keys.join('.') : root;
  throw new HttpError(400, 'invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, { field });
}

const limit = (max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

/** The query of a request, one value a key: a repeated key is refused, not silently narrowed to its first value. */
export function queryOf(c: Context): Record<string, string> {
  const all = c.req.queries();
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(all)) {
    if (values.length !== 1) throw new HttpError(400, 'invalid_input', `${key}: must be given once`, { field: key });
    out[key] = values[0] ?? '';
  }
  return out;
}

// Query schemas are strict: a key the route does not know is an error, not silently ignored.
export const listQuery = z
  .object({
    status: z.enum(TASK_STATUSES, `must be one of ${TASK_STATUSES.join(', ')}`).optional(),
    agent: z.string().min(1).max(64).optional(),
    limit: limit(1000).optional(),
    // the shape of a cursor the server issues (a base-36 position); list() checks it is in range
    cursor: z.string().regex(/^(?:0|[1-9a-z][0-9a-z]{0,10})$/, 'must be a nextCursor this server returned').optional(),
    order: z.enum(['asc', 'desc']).optional(),
    type: z.string().min(1).max(64).optional(),
  })
  .strict();

export const alertsQuery = z.object({ limit: limit(1000).optional() }).strict();

export const eventsQuery = z
  .object({
    lastEventId: z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer').transform(Number).optional(),
  })
  .strict();

/** why a human acts, recorded with the action */
const reason = z.string().max(1000, 'must be at most 1000 characters').optional();

/** cancel, retry, reset, restart, …: an optional `reason`; the body (if any) must be an object. */
export const actionBody = z.object({ reason });

/** retry: a reason, and a budget grant (each field: that much more than the task has used). */
export const retryBody = z.object({ reason, budget: budgetSchema.optional() });

/** resolve (and an executor's success): the output, and for resolve a reason. */
export const outputBody = z.object({ output: z.unknown().optional(), reason }).strict();

/** seconds (a number or a numeric string) or an HTTP-date, as in a Retry-After header */
const retryAfter = z
  .union([z.number().finite().min(0), z.string().min(1).max(64)])
  // Whether it parses does not depend on the time (a past date is 0 ms), so no clock is read here.
  .refine((v) => parseRetryAfter(v, 0) !== undefined, 'must be seconds or an HTTP-date');

export const failureBody = z
  .object({
    error: z
      .object({
        message: z.string().min(1).max(10_000),
        kind: z.enum(ERROR_KINDS).optional(),
        status: z.number().int().min(100).max(599).optional(),
        retryAfter: retryAfter.optional(),
      })
      .strict(),
  })
  .strict();
