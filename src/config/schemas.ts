// The zod schemas that validate a createWarden() config, each field with a plain-English message.
// resolveConfig() (./resolve.ts) builds them per config and turns their first issue into a ConfigError.

import { z } from 'zod';
import type { Logger } from 'pino';
import type { Alert, BackoffOptions, BreakerOptions, Budget, ProviderLimits, TaskError } from '../types.ts';
import {
  AGENT_DEFAULTS,
  AGENT_NAME_PATTERN,
  AUTO_SHUTDOWN_MODES,
  DURABILITY_MODES,
  JITTER_MODES,
  MAX_TIMER_MS,
  RESTART_BACKOFF_DEFAULTS,
  RESTART_TYPES,
  ROOT_SUPERVISOR_NAME,
  SUPERVISOR_STRATEGIES,
  TASK_BACKOFF_DEFAULTS,
  type AgentConfig,
  type NestedSupervisorConfig,
  type PoolConfig,
  type RecoveryStrategyConfig,
  type RunFn,
  type ShutdownSetting,
  type SupervisorConfig,
  type TaskInfo,
  type TaskTypeConfig,
  type WardenConfig,
} from './types.ts';
import { checkSignificance, isPoolChild } from './significance.ts';

// ---------------------------------------------------------------------------------------------------
// Field schemas, each with a plain-English message
// ---------------------------------------------------------------------------------------------------

export type Child = string | NestedSupervisorConfig | PoolConfig;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFunction(v: unknown): v is (...args: never[]) => unknown {
  return typeof v === 'function';
}

const list = (items: readonly string[]): string => items.join(', ');

interface NumberRule {
  integer?: boolean;
  /** smallest allowed value */
  min: number;
  /** true: the value must be greater than `min` */
  exclusive?: boolean;
  /** what the field is, e.g. "a positive integer" */
  what: string;
  /** default MAX_TIMER_MS for timer fields; undefined = no upper bound */
  max?: number;
}

function numberProblem(v: unknown, rule: NumberRule): string | undefined {
  const base = `must be ${rule.what}`;
  if (typeof v !== 'number' || Number.isNaN(v)) return base;
  if (!Number.isFinite(v)) return rule.integer ? base : 'must be a finite number';
  if (rule.integer && !Number.isInteger(v)) return base;
  if (rule.exclusive ? v <= rule.min : v < rule.min) return base;
  if (rule.max !== undefined && v > rule.max) {
    return rule.max === MAX_TIMER_MS
      ? `must be at most ${MAX_TIMER_MS} (the longest delay a Node.js timer supports)`
      : `must be at most ${rule.max}`;
  }
  return undefined;
}

function num(rule: NumberRule): z.ZodType<number> {
  return z.custom<number>((v) => numberProblem(v, rule) === undefined, {
    error: (iss) => numberProblem(iss.input, rule) ?? `must be ${rule.what}`,
  });
}

const positiveInt = (max?: number) => num({ integer: true, min: 0, exclusive: true, what: 'a positive integer', max });
const nonNegativeInt = () => num({ integer: true, min: 0, what: 'a non-negative integer' });
const positiveNumber = (max?: number) => num({ min: 0, exclusive: true, what: 'a positive number', max });
const nonNegativeNumber = (max?: number) => num({ min: 0, what: 'a non-negative number', max });

function fn<T extends (...args: never[]) => unknown>(): z.ZodType<T> {
  return z.custom<T>((v) => isFunction(v), { error: 'must be a function' });
}

function oneOf<T extends string>(values: readonly T[]): z.ZodType<T> {
  return z.custom<T>((v) => typeof v === 'string' && (values as readonly string[]).includes(v), {
    error: `must be one of ${list(values)}`,
  });
}

function nonEmptyString(): z.ZodType<string> {
  return z.custom<string>((v) => typeof v === 'string' && v.length > 0, { error: 'must be a non-empty string' });
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** "is not a known option", with a did-you-mean hint when a known key is close. */
export function unknownOptionMessage(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === lower ? 0 : levenshtein(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const hint = best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
  return `is not a known option${hint}`;
}

/** An object schema that rejects unknown keys, naming the first with a did-you-mean hint. */
function strict<S extends z.ZodRawShape>(shape: S, notObject = 'must be an object') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? unknownOptionMessage(iss.keys[0] ?? '', known) : notObject,
  });
}

function backoffSchema(defaults: Readonly<BackoffOptions>): z.ZodType<Partial<BackoffOptions>> {
  return strict({
    initialMs: nonNegativeNumber(MAX_TIMER_MS).optional(),
    factor: num({ min: 1, what: 'a number of at least 1' }).optional(),
    maxMs: nonNegativeNumber(MAX_TIMER_MS).optional(),
    jitter: oneOf(JITTER_MODES).optional(),
  }).superRefine((b, ctx) => {
    const initialMs = b.initialMs ?? defaults.initialMs;
    const maxMs = b.maxMs ?? defaults.maxMs;
    if (maxMs >= initialMs) return;
    if (b.maxMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxMs'], message: `must be at least initialMs (${initialMs})` });
    } else {
      ctx.addIssue({ code: 'custom', path: ['initialMs'], message: `must be at most maxMs (${maxMs})` });
    }
  });
}

const taskBackoffSchema = backoffSchema(TASK_BACKOFF_DEFAULTS);
const restartBackoffSchema = backoffSchema(RESTART_BACKOFF_DEFAULTS);

const breakerSchema: z.ZodType<Partial<BreakerOptions>> = strict({
  failureThreshold: positiveInt().optional(),
  windowMs: positiveNumber().optional(),
  openMs: nonNegativeNumber(MAX_TIMER_MS).optional(),
  halfOpenProbes: positiveInt().optional(),
  successThreshold: positiveInt().optional(),
});

/** A task's limits; each positive. Shared by task types (here) and submits (src/runtime/submit.ts). */
export const budgetConfigSchema: z.ZodType<Budget> = strict({
  turns: positiveNumber().optional(),
  tokens: positiveNumber().optional(),
  costUsd: positiveNumber().optional(),
  wallMs: positiveNumber(MAX_TIMER_MS).optional(),
});

const bool = () => z.custom<boolean>((v) => typeof v === 'boolean', { error: 'must be true or false' });

const providerLimitsSchema: z.ZodType<ProviderLimits> = strict({
  requestsPerMinute: positiveNumber().optional(),
  tokensPerMinute: positiveNumber().optional(),
  concurrency: positiveInt().optional(),
  closeOnRetryAfter: bool().optional(),
});

const shutdownSchema: z.ZodType<ShutdownSetting> = z.custom<ShutdownSetting>(
  (v) => v === 'brutal_kill' || v === 'infinity' || numberProblem(v, { min: 0, what: '', max: MAX_TIMER_MS }) === undefined,
  { error: `must be a non-negative number of milliseconds (at most ${MAX_TIMER_MS}), 'brutal_kill' or 'infinity'` },
);

const loggerSchema: z.ZodType<Logger> = z.custom<Logger>(
  (v) => typeof v === 'object' && v !== null && ['child', 'info', 'warn', 'error'].every((k) => isFunction(Reflect.get(v, k))),
  { error: 'must be a pino logger (an object with child, info, warn and error functions)' },
);

export interface SchemaContext {
  agentNames: readonly string[];
  strategyNames: readonly string[];
}

function agentRef(ctx: SchemaContext, self?: string): z.ZodType<string> {
  return z.custom<string>((v) => typeof v === 'string' && v !== self && ctx.agentNames.includes(v), {
    error: (iss) =>
      typeof iss.input !== 'string'
        ? 'must be the name of an agent'
        : iss.input === self
          ? `must name another agent, not "${self}" itself`
          : `names an unknown agent "${iss.input}"`,
  });
}


export function agentSchema(name: string, ctx: SchemaContext): z.ZodType<AgentConfig> {
  return strict({
    run: fn<RunFn>().optional(),
    role: nonEmptyString().optional(),
    concurrency: positiveInt().optional(),
    timeoutMs: positiveInt(MAX_TIMER_MS).optional(),
    maxTimeoutMs: positiveInt(MAX_TIMER_MS).optional(),
    heartbeatTimeoutMs: positiveNumber(MAX_TIMER_MS).optional(),
    breaker: breakerSchema.optional(),
    fallback: agentRef(ctx, name).optional(),
    start: fn<(signal: AbortSignal, info: { name: string }) => unknown>().optional(),
    stop: fn<(info: { name: string }) => unknown>().optional(),
    restart: oneOf(RESTART_TYPES).optional(),
    shutdownMs: shutdownSchema.optional(),
    provider: z.custom<string>((v) => typeof v === 'string' && AGENT_NAME_PATTERN.test(v), {
      error: 'must be a provider name of 1 to 64 letters, digits, "_", "." or "-"',
    }).optional(),
    significant: bool().optional(),
  }).superRefine((a, issues) => {
    const timeoutMs = a.timeoutMs ?? AGENT_DEFAULTS.timeoutMs;
    if (a.maxTimeoutMs !== undefined && a.maxTimeoutMs < timeoutMs) {
      issues.addIssue({ code: 'custom', path: ['maxTimeoutMs'], message: `must be at least timeoutMs (${timeoutMs})` });
    }
  });
}

function agentsSchema(raw: unknown, ctx: SchemaContext): z.ZodType<Record<string, AgentConfig>> {
  const notObject = 'must be an object mapping agent names to their config';
  if (!isRecord(raw)) return z.custom<Record<string, AgentConfig>>(() => false, { error: notObject });
  const shape: Record<string, z.ZodType<AgentConfig>> = {};
  for (const name of Object.keys(raw)) {
    shape[name] = AGENT_NAME_PATTERN.test(name)
      ? agentSchema(name, ctx)
      : z.custom<AgentConfig>(() => false, {
          error: 'is not a valid agent name (use 1 to 64 letters, digits, "_", "." or "-")',
        });
  }
  return z.object(shape, { error: notObject }).refine((a) => Object.keys(a).length > 0, {
    error: 'must configure at least one agent',
  });
}

function taskTypeSchema(ctx: SchemaContext): z.ZodType<TaskTypeConfig> {
  const known = `(known: ${list(ctx.strategyNames)})`;
  const strategyName = z.custom<string>((v) => typeof v === 'string' && ctx.strategyNames.includes(v), {
    error: (iss) =>
      typeof iss.input === 'string'
        ? `names an unknown recovery strategy "${iss.input}" ${known}`
        : `must be the name of a recovery strategy ${known}`,
  });
  return strict({
    maxRetries: nonNegativeInt().optional(),
    backoff: taskBackoffSchema.optional(),
    recovery: z
      .array(strategyName, { error: `must be a list of recovery strategy names ${known}` })
      .min(1, { error: `must list at least one recovery strategy ${known}` })
      .optional(),
    degrade: fn<(task: TaskInfo, error: TaskError) => unknown>().optional(),
    budget: budgetConfigSchema.optional(),
  });
}

const recoveryStrategySchema: z.ZodType<RecoveryStrategyConfig> = strict(
  { name: nonEmptyString(), recover: fn<(...args: never[]) => unknown>() },
  'must be an object with a name and a recover function',
);

/** Built from the raw input, so that each child gets the schema its shape calls for. */
function supervisorSchema(raw: unknown, ctx: SchemaContext, nested: boolean): z.ZodType<SupervisorConfig> {
  const rawChildren = isRecord(raw) ? raw['children'] : undefined;
  let children: z.ZodType<Child[]>;
  if (Array.isArray(rawChildren)) {
    const items = rawChildren.map((c: unknown): z.ZodType<Child> => {
      if (typeof c === 'string') return agentRef(ctx);
      if (isRecord(c) && 'pool' in c) return poolSchema(c, ctx).pipe(z.custom<PoolConfig>());
      if (isRecord(c)) return supervisorSchema(c, ctx, true).pipe(z.custom<NestedSupervisorConfig>());
      return z.custom<Child>(() => false, {
        error: 'must be an agent name or a nested supervisor ({ name, children, ... })',
      });
    });
    children = items.length === 0 ? z.tuple([]) : z.tuple(items as [z.ZodType<Child>, ...z.ZodType<Child>[]]);
  } else {
    children = z.custom<Child[]>(() => false, { error: 'must be a list of agent names and nested supervisors' });
  }
  const common = {
    strategy: oneOf(SUPERVISOR_STRATEGIES).optional(),
    maxRestarts: nonNegativeInt().optional(),
    withinMs: positiveNumber().optional(),
    backoff: restartBackoffSchema.optional(),
    resetBackoffAfterMs: nonNegativeNumber().optional(),
    autoShutdown: oneOf(AUTO_SHUTDOWN_MODES).optional(),
  };
  if (!nested) return strict({ ...common, children: children.optional() });
  return strict({
    name: z.custom<string>((v) => typeof v === 'string' && AGENT_NAME_PATTERN.test(v), {
      error: 'must be a supervisor name of 1 to 64 letters, digits, "_", "." or "-"',
    }),
    ...common,
    significant: bool().optional(),
    children: children.refine((c) => c.length > 0, { error: 'must list at least one child' }),
  });
}

const supervisorName = () =>
  z.custom<string>((v) => typeof v === 'string' && AGENT_NAME_PATTERN.test(v), {
    error: 'must be a supervisor name of 1 to 64 letters, digits, "_", "." or "-"',
  });

/** A pool: `{ name, pool: { agent, max } }` plus the restart settings of its one_for_one supervisor. */
function poolSchema(raw: Record<string, unknown>, ctx: SchemaContext): z.ZodType<PoolConfig> {
  const name = typeof raw['name'] === 'string' ? raw['name'] : '';
  return strict({
    name: supervisorName(),
    pool: strict({ agent: agentSchema(name, ctx), max: positiveInt().optional() }, 'must be { agent, max? }: the members\' agent spec and their limit'),
    maxRestarts: nonNegativeInt().optional(),
    withinMs: positiveNumber().optional(),
    backoff: restartBackoffSchema.optional(),
    resetBackoffAfterMs: nonNegativeNumber().optional(),
    autoShutdown: oneOf(AUTO_SHUTDOWN_MODES).optional(),
    significant: bool().optional(),
  });
}

/** Each agent at most once in the whole tree; supervisor names unique and distinct from agent names. */
function checkTree(root: SupervisorConfig, ctx: SchemaContext, issues: z.RefinementCtx): void {
  const agentsSeen = new Set<string>();
  const supervisorsSeen = new Set<string>([ROOT_SUPERVISOR_NAME]);
  const walk = (children: readonly Child[], path: (string | number)[]): void => {
    children.forEach((child, i) => {
      if (typeof child === 'string') {
        if (agentsSeen.has(child)) {
          issues.addIssue({ code: 'custom', path: [...path, i], message: `lists agent "${child}" a second time` });
        }
        agentsSeen.add(child);
        return;
      }
      if (ctx.agentNames.includes(child.name) || supervisorsSeen.has(child.name)) {
        const what =
          child.name === ROOT_SUPERVISOR_NAME
            ? 'is reserved for the root supervisor'
            : `is already the name of ${ctx.agentNames.includes(child.name) ? 'an agent' : 'another supervisor'}`;
        issues.addIssue({ code: 'custom', path: [...path, i, 'name'], message: `"${child.name}" ${what}` });
      }
      supervisorsSeen.add(child.name);
      if (!isPoolChild(child)) walk(child.children ?? [], [...path, i, 'children']);
    });
  };
  walk(root.children ?? [], ['supervisor', 'children']);
}

export const TOP_LEVEL_KEYS: readonly (keyof WardenConfig)[] = [
  'dataDir',
  'persist',
  'durability',
  'agents',
  'supervisor',
  'recoveryStrategies',
  'providers',
  'taskTypes',
  'classifyError',
  'notify',
  'logger',
  'inspect',
  'retentionMs',
  'maxFinishedInMemory',
  'finishedInMemoryMs',
  'drainMs',
  'snapshotEvery',
  'snapshotIntervalMs',
  'maxAlerts',
  'token',
  'store',
  'node',
  'leaseMs',
];

function storeSchema() {
  return strict({
    postgres: strict({
      connectionString: z.custom<string>((v) => typeof v === 'string' && /^postgres(ql)?:\/\//.test(v), {
        error: 'must be a postgres:// or postgresql:// URL',
      }),
      schema: z.custom<string>((v) => typeof v === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(v), {
        error: 'must be a lower-case identifier (letters, digits, _; at most 63)',
      }).optional(),
    }),
  });
}

export function configSchema(raw: Record<string, unknown>, ctx: SchemaContext): z.ZodType<WardenConfig> {
  const shape = {
    dataDir: nonEmptyString().optional(),
    persist: z.custom<boolean>((v) => typeof v === 'boolean', { error: 'must be true or false' }).optional(),
    durability: oneOf(DURABILITY_MODES).optional(),
    agents: agentsSchema(raw['agents'], ctx),
    supervisor: supervisorSchema(raw['supervisor'], ctx, false).optional(),
    recoveryStrategies: z
      .record(z.string(), recoveryStrategySchema, { error: 'must be an object mapping keys to recovery strategies' })
      .superRefine((strategies, issues) => {
        const seen = new Map<string, string>();
        for (const [key, s] of Object.entries(strategies)) {
          const earlier = seen.get(s.name);
          if (earlier !== undefined) {
            issues.addIssue({
              code: 'custom',
              path: [key, 'name'],
              message: `"${s.name}" is already the name of recoveryStrategies.${earlier}`,
            });
          }
          seen.set(s.name, key);
        }
      })
      .optional(),
    providers: z
      .record(z.string(), providerLimitsSchema, { error: 'must be an object mapping provider names to their limits' })
      .optional(),
    taskTypes: z
      .record(z.string().min(1, { error: 'must not be an empty task type name' }), taskTypeSchema(ctx), {
        error: 'must be an object mapping task type names to their config',
      })
      .optional(),
    classifyError: fn<(err: unknown) => Partial<TaskError> | undefined>().optional(),
    notify: fn<(alert: Alert) => unknown>().optional(),
    logger: loggerSchema.optional(),
    inspect: z.unknown().optional(),
    retentionMs: nonNegativeNumber().optional(),
    maxFinishedInMemory: nonNegativeInt().optional(),
    finishedInMemoryMs: nonNegativeNumber().optional(),
    drainMs: nonNegativeNumber(MAX_TIMER_MS).optional(),
    snapshotEvery: positiveInt().optional(),
    snapshotIntervalMs: positiveNumber(MAX_TIMER_MS).optional(),
    maxAlerts: nonNegativeInt().optional(),
    token: nonEmptyString().optional(),
    store: storeSchema().optional(),
    node: nonEmptyString().optional(),
    leaseMs: positiveNumber(MAX_TIMER_MS).optional(),
  } satisfies Record<keyof WardenConfig, z.ZodType>;
  return strict(shape).superRefine((config, issues) => {
    if (config.supervisor !== undefined) checkTree(config.supervisor, ctx, issues);
    const used = new Set(Object.entries(config.agents).map(([name, a]) => a.provider ?? name));
    for (const name of Object.keys(config.providers ?? {})) {
      if (!used.has(name)) issues.addIssue({ code: 'custom', path: ['providers', name], message: `names no agent's provider (known: ${[...used].join(', ')})` });
    }
    checkSignificance(config.agents, config.supervisor, issues);
  });
}
