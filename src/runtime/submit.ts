// Validates a submit request (library or HTTP) against the config: a clear error naming the field.
import { z } from 'zod';
import { AGENT_NAME_PATTERN, type ResolvedConfig } from '../config.ts';
import { inputMessage } from '../config/messages.ts';
import { WardenError } from '../errors.ts';

export interface SubmitRequest {
  /** @defaultValue 'default' */
  type?: string;
  agent: string;
  input?: unknown;
  /** @defaultValue the task type's maxRetries */
  maxRetries?: number;
  idempotencyKey?: string;
}

export const submitSchema = z
  .object({
    type: z.string().min(1).max(128).optional(),
    agent: z.string().min(1).max(64),
    input: z.unknown().optional(),
    maxRetries: z.number().int().min(0).max(1000).optional(),
    idempotencyKey: z.string().min(1).max(256).optional(),
  })
  .strict();

export interface ParsedSubmit {
  type: string;
  agent: string;
  input: unknown;
  maxRetries: number;
  idempotencyKey?: string;
}

export function parseSubmit(req: unknown, config: ResolvedConfig): ParsedSubmit {
  const parsed = submitSchema.safeParse(req, { error: inputMessage });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'request';
    throw new WardenError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const r = parsed.data;
  const type = r.type ?? 'default';
  const typeCfg = config.taskTypes[type];
  if (!typeCfg) {
    throw new WardenError('invalid_input', `type: unknown task type "${type}" (known: ${Object.keys(config.taskTypes).join(', ')})`, {
      field: 'type',
    });
  }
  // On PostgreSQL another process may declare the agent: any well-formed name is taken, and waits for one.
  if (!config.agents[r.agent] && !(config.store && AGENT_NAME_PATTERN.test(r.agent))) {
    throw new WardenError('invalid_input', `agent: unknown agent "${r.agent}" (known: ${Object.keys(config.agents).join(', ')})`, {
      field: 'agent',
    });
  }
  return {
    type,
    agent: r.agent,
    input: r.input ?? null,
    maxRetries: r.maxRetries ?? typeCfg.maxRetries,
    idempotencyKey: r.idempotencyKey,
  };
}
