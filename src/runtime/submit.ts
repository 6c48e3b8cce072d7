// Validates a submit request (library or HTTP) against the config: a clear error naming the field.
import { z } from 'zod';
import { mergeBudget } from '../../machines/budget.ts';
import { AGENT_NAME_PATTERN, type ResolvedConfig } from '../config.ts';
import type { Budget } from '../types.ts';
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
  /** limits for this task; each given field overrides its task type's. @defaultValue the type's budget */
  budget?: Budget;
}

const limit = (max?: number) => {
  const n = z.number().positive();
  return (max === undefined ? n : n.max(max)).optional();
};

/** A budget as a submit or a human's retry gives it: each field a positive number, none required. */
export const budgetSchema = z
  .object({ turns: limit(), tokens: limit(), costUsd: limit(), wallMs: limit(2_147_483_647) })
  .strict();

export const submitSchema = z
  .object({
    type: z.string().min(1).max(128).optional(),
    agent: z.string().min(1).max(64),
    input: z.unknown().optional(),
    maxRetries: z.number().int().min(0).max(1000).optional(),
    idempotencyKey: z.string().min(1).max(256).optional(),
    budget: budgetSchema.optional(),
  })
  .strict();

export interface ParsedSubmit {
  type: string;
  agent: string;
  input: unknown;
  maxRetries: number;
  idempotencyKey?: string;
  budget?: Budget;
}

/** `agents`: the agents that exist now (dynamic ones included); default the configured ones. */
export function parseSubmit(req: unknown, config: ResolvedConfig, agents: ReadonlyMap<string, unknown> = new Map(Object.entries(config.agents))): ParsedSubmit {
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
  if (!agents.has(r.agent) && !(config.store && AGENT_NAME_PATTERN.test(r.agent))) {
    const known = [...agents.keys()];
    const list = known.length > 20 ? `${known.slice(0, 20).join(', ')} and ${known.length - 20} more` : known.join(', ');
    throw new WardenError('invalid_input', `agent: unknown agent "${r.agent}" (known: ${list})`, {
      field: 'agent',
    });
  }
  return {
    type,
    agent: r.agent,
    input: r.input ?? null,
    maxRetries: r.maxRetries ?? typeCfg.maxRetries,
    idempotencyKey: r.idempotencyKey,
    budget: mergeBudget(typeCfg.budget, r.budget),
  };
}

/** A human's grant on retry, checked like a submit's budget: invalid_input naming the field. */
export function parseGrant(budget: unknown): Budget | undefined {
  if (budget === undefined) return undefined;
  const parsed = budgetSchema.safeParse(budget, { error: inputMessage });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = issue?.path.map(String) ?? [];
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) keys.push(issue.keys[0]);
  const field = ['budget', ...keys].join('.');
  throw new WardenError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, { field });
}
