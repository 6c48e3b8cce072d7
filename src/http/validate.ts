// zod at the edge: a failed parse becomes a 400 naming the field, and the schemas for queries and bodies.
import { z } from 'zod';
import { parseRetryAfter } from '../api.ts';
import { ERROR_KINDS, TASK_STATUSES } from '../types.ts';
import { HttpError } from './errors.ts';

export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, root: 'body' | 'query'): z.output<S> {
  const parsed = schema.safeParse(value);
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

export const listQuery = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  agent: z.string().min(1).max(64).optional(),
  limit: limit(1000).optional(),
  cursor: z.string().min(1).max(128).optional(),
});

export const alertsQuery = z.object({ limit: limit(1000).optional() });

export const eventsQuery = z.object({
  lastEventId: z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer').transform(Number).optional(),
});

/** cancel, retry, reset, restart, …: no fields, but the body (if any) must be an object. */
export const actionBody = z.object({});

export const outputBody = z.object({ output: z.unknown().optional() }).strict();

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
