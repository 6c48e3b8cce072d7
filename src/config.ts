// The createWarden() configuration: its types, its defaults, and resolveConfig(), which validates a
// caller's config with zod and fills every default in once. A wrong config throws a ConfigError naming
// the first wrong field by its dotted path, e.g. `agents.coder.concurrency must be a positive integer`.

import { z } from 'zod';
import type { Logger } from 'pino';
import { ConfigError } from './errors.ts';
import type { Alert, BackoffOptions, BreakerOptions, TaskError } from './types.ts';

// ---------------------------------------------------------------------------------------------------
// What the caller passes
// ---------------------------------------------------------------------------------------------------

/** What a `run` function gets besides its task. */
export interface RunContext {
  /** Aborted on timeout, cancellation or shutdown. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
  /** This attempt's time limit, when it has one. */
  timeoutMs?: number;
  /** What the previous attempt saved with `saveCheckpoint`. */
  checkpoint?: unknown;
  saveCheckpoint(data: unknown): void;
  reportUsage(u: { turns?: number; costUsd?: number; tokens?: number }): void;
  log: Logger;
  taskId: string;
  agent: string;
}

/** A task as its agent sees it. */
export interface TaskInfo {
  id: string;
  type: string;
  agent: string;
  input: unknown;
  attempt: number;
}

/** Does one attempt of a task; what it returns (or resolves to) is the task's output. */
export type RunFn = (task: TaskInfo, ctx: RunContext) => unknown | Promise<unknown>;

/** What an agent's `start` may return: `exited` resolves on a normal exit and rejects on a crash. */
export interface AgentHandle {
  exited?: Promise<unknown>;
}

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type ShutdownSetting = number | 'brutal_kill' | 'infinity';
export type SupervisorStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type Durability = 'fsync' | 'write' | 'memory';

export interface AgentConfig {
  /** Runs one attempt in-process. Absent = an external executor: tasks wait IN_PROGRESS for
   * reportSuccess/reportFailure. */
  run?: RunFn;
  /** Agents of one role can take each other's reassigned tasks.
   * @defaultValue the agent's own name */
  role?: string;
  /** Attempts running at once; a positive integer.
   * @defaultValue 4 */
  concurrency?: number;
  /** Time limit of one attempt, in ms; a positive integer.
   * @defaultValue 30000 */
  timeoutMs?: number;
  /** Cap on the time limit when timeouts double between attempts; at least `timeoutMs`.
   * @defaultValue 10 * timeoutMs (at most 2147483647) */
  maxTimeoutMs?: number;
  /** For external agents: no heartbeat for this long is a timeout failure. Unset = no heartbeat check. */
  heartbeatTimeoutMs?: number;
  /** Circuit breaker settings; each missing one takes its default.
   * @defaultValue `{ failureThreshold: 5, windowMs: 60000, openMs: 30000, halfOpenProbes: 1, successThreshold: halfOpenProbes }` */
  breaker?: Partial<BreakerOptions>;
  /** Another configured agent that takes this agent's failing tasks (the `fallback` strategy). */
  fallback?: string;
  /** Starts a long-lived resource; may return an {@link AgentHandle}. A rejection is a crash. */
  start?: (signal: AbortSignal) => unknown | Promise<unknown>;
  stop?: () => unknown | Promise<unknown>;
  /** OTP restart type: restart always, only after a crash, or never.
   * @defaultValue 'permanent' */
  restart?: RestartType;
  /** How long `stop` may take before the agent is abandoned, in ms, or 'brutal_kill' / 'infinity'.
   * @defaultValue 5000 */
  shutdownMs?: ShutdownSetting;
}

export interface TaskTypeConfig {
  /** Retries after the first attempt; an integer >= 0.
   * @defaultValue 1 */
  maxRetries?: number;
  /** Delay before a retry; each missing setting takes its default.
   * @defaultValue `{ initialMs: 2000, factor: 2, maxMs: 60000, jitter: 'full' }` */
  backoff?: Partial<BackoffOptions>;
  /** Recovery strategies tried in order after a failure; non-empty, each a known strategy name.
   * @defaultValue ['retry', 'reassign', 'fallback', 'escalate'] */
  recovery?: string[];
  /** What the `degrade` strategy resolves the task with. */
  degrade?: (task: TaskInfo, error: TaskError) => unknown;
}

export interface SupervisorConfig {
  /** @defaultValue 'one_for_one' */
  strategy?: SupervisorStrategy;
  /** Restarts allowed within `withinMs` before the supervisor escalates; an integer >= 0.
   * @defaultValue 3 */
  maxRestarts?: number;
  /** The restart-intensity window, in ms; > 0.
   * @defaultValue 5000 */
  withinMs?: number;
  /** Delay before a restart; each missing setting takes its default.
   * @defaultValue `{ initialMs: 100, factor: 2, maxMs: 30000, jitter: 'full' }` */
  backoff?: Partial<BackoffOptions>;
  /** A child that stays up this long gets its restart backoff reset, in ms.
   * @defaultValue 60000 */
  resetBackoffAfterMs?: number;
  /** Agent names and nested supervisors, started in order and stopped in reverse order. Each agent
   * appears at most once in the whole tree; agents the root's list leaves out are appended to it.
   * @defaultValue all agents in declaration order (root only; a nested supervisor must list its children) */
  children?: Array<string | NestedSupervisorConfig>;
}

export type NestedSupervisorConfig = SupervisorConfig & { name: string };

/** A custom recovery strategy; its `name` becomes usable in `taskTypes.*.recovery`. */
export interface RecoveryStrategyConfig {
  name: string;
  recover: (...args: never[]) => unknown;
}

export interface WardenConfig {
  /** Where the snapshot and journal live.
   * @defaultValue './data' */
  dataDir?: string;
  /** false = keep everything in memory.
   * @defaultValue true */
  persist?: boolean;
  /** 'fsync' syncs each journal write to disk, 'write' leaves it to the OS, 'memory' writes nothing.
   * @defaultValue 'write' */
  durability?: Durability;
  /** At least one; names match {@link AGENT_NAME_PATTERN}. */
  agents: Record<string, AgentConfig>;
  /** @defaultValue a one_for_one supervisor over all agents */
  supervisor?: SupervisorConfig;
  /** A 'default' type always exists (added with defaults when missing). Types do not inherit from
   * 'default'; each missing setting takes the built-in default. */
  taskTypes?: Record<string, TaskTypeConfig>;
  /** Custom strategies; their names become known. */
  recoveryStrategies?: Record<string, RecoveryStrategyConfig>;
  /** Overrides error classification; undefined = built-in classification. */
  classifyError?: (err: unknown) => Partial<TaskError> | undefined;
  /** Gets escalations and CRITICAL alerts. */
  notify?: (alert: Alert) => unknown | Promise<unknown>;
  logger?: Logger;
  /** An XState inspection observer or function; passed through untouched. */
  inspect?: unknown;
  /** How long finished tasks stay listable, in ms.
   * @defaultValue 604800000 (7 days) */
  retentionMs?: number;
  /** How long stop() waits for in-process attempts in flight to finish before it aborts them, in ms.
   * 0 aborts them at once (they fail as a crash on the next start and follow their policy). The CLI
   * uses 10000 unless the config says otherwise.
   * @defaultValue 0 */
  drainMs?: number;
  /** Journal records between snapshots; a positive integer.
   * @defaultValue 1000 */
  snapshotEvery?: number;
  /** Time between snapshots, in ms.
   * @defaultValue 30000 */
  snapshotIntervalMs?: number;
  /** Alerts kept in memory; an integer >= 0.
   * @defaultValue 1000 */
  maxAlerts?: number;
  /** Bearer token the HTTP API requires; unset = open. */
  token?: string;
}

// ---------------------------------------------------------------------------------------------------
// What the runtime gets
// ---------------------------------------------------------------------------------------------------

export interface ResolvedAgentConfig {
  name: string;
  run?: RunFn;
  role: string;
  concurrency: number;
  timeoutMs: number;
  maxTimeoutMs: number;
  heartbeatTimeoutMs?: number;
  breaker: BreakerOptions;
  fallback?: string;
  start?: (signal: AbortSignal) => unknown | Promise<unknown>;
  stop?: () => unknown | Promise<unknown>;
  restart: RestartType;
  shutdownMs: ShutdownSetting;
}

export interface ResolvedTaskTypeConfig {
  name: string;
  maxRetries: number;
  backoff: BackoffOptions;
  recovery: string[];
  degrade?: (task: TaskInfo, error: TaskError) => unknown;
}

export interface ResolvedSupervisorConfig {
  /** {@link ROOT_SUPERVISOR_NAME} for the root. */
  name: string;
  strategy: SupervisorStrategy;
  maxRestarts: number;
  withinMs: number;
  backoff: BackoffOptions;
  resetBackoffAfterMs: number;
  /** Agent names and nested supervisors, in start order. */
  children: Array<string | ResolvedSupervisorConfig>;
}

export interface ResolvedConfig {
  dataDir: string;
  persist: boolean;
  durability: Durability;
  /** In declaration order. */
  agents: Record<string, ResolvedAgentConfig>;
  supervisor: ResolvedSupervisorConfig;
  /** Always has 'default'. */
  taskTypes: Record<string, ResolvedTaskTypeConfig>;
  /** Keyed by each strategy's `name` (not by the key it was configured under). */
  recoveryStrategies: Record<string, RecoveryStrategyConfig>;
  classifyError?: (err: unknown) => Partial<TaskError> | undefined;
  notify?: (alert: Alert) => unknown | Promise<unknown>;
  logger?: Logger;
  inspect?: unknown;
  retentionMs: number;
  drainMs: number;
  snapshotEvery: number;
  snapshotIntervalMs: number;
  maxAlerts: number;
  token?: string;
}

// ---------------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------------

/** Agent names: 1 to 64 letters, digits, `_`, `.` or `-`. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** The task type used when a submit names none; always present in a resolved config. */
export const DEFAULT_TASK_TYPE = 'default';
/** The name of the root supervisor; no nested supervisor may take it. */
export const ROOT_SUPERVISOR_NAME = 'root';
/** The longest delay a Node.js timer supports; longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

export const SUPERVISOR_STRATEGIES: readonly SupervisorStrategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
export const RESTART_TYPES: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
export const DURABILITY_MODES: readonly Durability[] = ['fsync', 'write', 'memory'];
export const JITTER_MODES: readonly BackoffOptions['jitter'][] = ['none', 'full', 'equal', 'decorrelated'];

export const DEFAULT_RECOVERY: readonly string[] = Object.freeze(['retry', 'reassign', 'fallback', 'escalate']);

/** Breaker defaults; `successThreshold` defaults to the resolved `halfOpenProbes`. */
export const BREAKER_DEFAULTS: Readonly<Omit<BreakerOptions, 'successThreshold'>> = Object.freeze({
  failureThreshold: 5,
  windowMs: 60_000,
  openMs: 30_000,
  halfOpenProbes: 1,
});

/** Backoff between task retries. */
export const TASK_BACKOFF_DEFAULTS: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 2_000,
  factor: 2,
  maxMs: 60_000,
  jitter: 'full',
});

/** Backoff between restarts of a supervisor's children. */
export const RESTART_BACKOFF_DEFAULTS: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 100,
  factor: 2,
  maxMs: 30_000,
  jitter: 'full',
});

/** `maxTimeoutMs` defaults to this many times `timeoutMs`. */
export const MAX_TIMEOUT_FACTOR = 10;

export const AGENT_DEFAULTS: Readonly<Pick<ResolvedAgentConfig, 'concurrency' | 'timeoutMs' | 'restart' | 'shutdownMs'>> =
  Object.freeze({ concurrency: 4, timeoutMs: 30_000, restart: 'permanent', shutdownMs: 5_000 });

export const TASK_TYPE_DEFAULTS: Readonly<Pick<ResolvedTaskTypeConfig, 'maxRetries'>> = Object.freeze({ maxRetries: 1 });

export const SUPERVISOR_DEFAULTS: Readonly<
  Pick<ResolvedSupervisorConfig, 'strategy' | 'maxRestarts' | 'withinMs' | 'resetBackoffAfterMs'>
> = Object.freeze({ strategy: 'one_for_one', maxRestarts: 3, withinMs: 5_000, resetBackoffAfterMs: 60_000 });

export const WARDEN_DEFAULTS: Readonly<
  Pick<
    ResolvedConfig,
    'dataDir' | 'persist' | 'durability' | 'retentionMs' | 'drainMs' | 'snapshotEvery' | 'snapshotIntervalMs' | 'maxAlerts'
  >
> = Object.freeze({
  dataDir: './data',
  persist: true,
  durability: 'write',
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  drainMs: 0,
  snapshotEvery: 1_000,
  snapshotIntervalMs: 30_000,
  maxAlerts: 1_000,
});

// ---------------------------------------------------------------------------------------------------
// Field schemas, each with a plain-English message
// ---------------------------------------------------------------------------------------------------

type Child = string | NestedSupervisorConfig;

function isRecord(v: unknown): v is Record<string, unknown> {
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

const shutdownSchema: z.ZodType<ShutdownSetting> = z.custom<ShutdownSetting>(
  (v) => v === 'brutal_kill' || v === 'infinity' || numberProblem(v, { min: 0, what: '', max: MAX_TIMER_MS }) === undefined,
  { error: `must be a non-negative number of milliseconds (at most ${MAX_TIMER_MS}), 'brutal_kill' or 'infinity'` },
);

const loggerSchema: z.ZodType<Logger> = z.custom<Logger>(
  (v) => typeof v === 'object' && v !== null && ['child', 'info', 'warn', 'error'].every((k) => isFunction(Reflect.get(v, k))),
  { error: 'must be a pino logger (an object with child, info, warn and error functions)' },
);

interface SchemaContext {
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

function agentSchema(name: string, ctx: SchemaContext): z.ZodType<AgentConfig> {
  return strict({
    run: fn<RunFn>().optional(),
    role: nonEmptyString().optional(),
    concurrency: positiveInt().optional(),
    timeoutMs: positiveInt(MAX_TIMER_MS).optional(),
    maxTimeoutMs: positiveInt(MAX_TIMER_MS).optional(),
    heartbeatTimeoutMs: positiveNumber(MAX_TIMER_MS).optional(),
    breaker: breakerSchema.optional(),
    fallback: agentRef(ctx, name).optional(),
    start: fn<(signal: AbortSignal) => unknown>().optional(),
    stop: fn<() => unknown>().optional(),
    restart: oneOf(RESTART_TYPES).optional(),
    shutdownMs: shutdownSchema.optional(),
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
  };
  if (!nested) return strict({ ...common, children: children.optional() });
  return strict({
    name: z.custom<string>((v) => typeof v === 'string' && AGENT_NAME_PATTERN.test(v), {
      error: 'must be a supervisor name of 1 to 64 letters, digits, "_", "." or "-"',
    }),
    ...common,
    children: children.refine((c) => c.length > 0, { error: 'must list at least one child' }),
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
      walk(child.children ?? [], [...path, i, 'children']);
    });
  };
  walk(root.children ?? [], ['supervisor', 'children']);
}

const TOP_LEVEL_KEYS: readonly (keyof WardenConfig)[] = [
  'dataDir',
  'persist',
  'durability',
  'agents',
  'supervisor',
  'recoveryStrategies',
  'taskTypes',
  'classifyError',
  'notify',
  'logger',
  'inspect',
  'retentionMs',
  'drainMs',
  'snapshotEvery',
  'snapshotIntervalMs',
  'maxAlerts',
  'token',
];

function configSchema(raw: Record<string, unknown>, ctx: SchemaContext): z.ZodType<WardenConfig> {
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
    drainMs: nonNegativeNumber(MAX_TIMER_MS).optional(),
    snapshotEvery: positiveInt().optional(),
    snapshotIntervalMs: positiveNumber(MAX_TIMER_MS).optional(),
    maxAlerts: nonNegativeInt().optional(),
    token: nonEmptyString().optional(),
  } satisfies Record<keyof WardenConfig, z.ZodType>;
  return strict(shape).superRefine((config, issues) => {
    if (config.supervisor !== undefined) checkTree(config.supervisor, ctx, issues);
  });
}

// ---------------------------------------------------------------------------------------------------
// Error reporting
// ---------------------------------------------------------------------------------------------------

/** `agents.coder.recovery[1]`; keys that are not plain words are quoted: `agents["a b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z0-9_$-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? 'config' : out;
}

/** Plain English for issues no schema gave a message to. */
function fallbackMessage(iss: z.core.$ZodRawIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? 'is required' : `must be ${/^[aeiou]/.test(iss.expected) ? 'an' : 'a'} ${iss.expected}`;
    case 'unrecognized_keys':
      return 'is not a known option';
    default:
      return 'is not valid';
  }
}

function toConfigError(issue: z.core.$ZodIssue): ConfigError {
  if (issue.code === 'unrecognized_keys') {
    return new ConfigError(formatPath([...issue.path, issue.keys[0] ?? '']), issue.message);
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return new ConfigError(formatPath(issue.path), inner?.message ?? issue.message);
  }
  return new ConfigError(formatPath(issue.path), issue.message);
}

// ---------------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------------

/** A copy without the keys whose value is undefined, so a spread never overwrites a default with undefined. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function resolveBackoff(given: Partial<BackoffOptions> | undefined, defaults: Readonly<BackoffOptions>): BackoffOptions {
  return { ...defaults, ...defined(given ?? {}) };
}

function resolveAgent(name: string, agent: AgentConfig): ResolvedAgentConfig {
  const given = defined(agent);
  const timeoutMs = given.timeoutMs ?? AGENT_DEFAULTS.timeoutMs;
  const breaker = defined(given.breaker ?? {});
  const halfOpenProbes = breaker.halfOpenProbes ?? BREAKER_DEFAULTS.halfOpenProbes;
  return {
    ...AGENT_DEFAULTS,
    role: name,
    maxTimeoutMs: Math.min(MAX_TIMEOUT_FACTOR * timeoutMs, MAX_TIMER_MS),
    ...given,
    name,
    breaker: { ...BREAKER_DEFAULTS, successThreshold: halfOpenProbes, ...breaker },
  };
}

function resolveTaskType(name: string, taskType: TaskTypeConfig): ResolvedTaskTypeConfig {
  const given = defined(taskType);
  return {
    ...TASK_TYPE_DEFAULTS,
    ...given,
    name,
    backoff: resolveBackoff(given.backoff, TASK_BACKOFF_DEFAULTS),
    recovery: [...(given.recovery ?? DEFAULT_RECOVERY)],
  };
}

function resolveSupervisor(name: string, supervisor: SupervisorConfig, children: readonly Child[]): ResolvedSupervisorConfig {
  const { children: _children, ...given } = defined(supervisor);
  return {
    ...SUPERVISOR_DEFAULTS,
    ...given,
    name,
    backoff: resolveBackoff(given.backoff, RESTART_BACKOFF_DEFAULTS),
    children: children.map((c) => (typeof c === 'string' ? c : resolveSupervisor(c.name, c, c.children ?? []))),
  };
}

/** The agent names a tree lists, depth first. */
function listedAgents(children: readonly Child[]): string[] {
  return children.flatMap((c) => (typeof c === 'string' ? [c] : listedAgents(c.children ?? [])));
}

/**
 * Validates a createWarden() config and fills in every default. Never mutates `input`.
 *
 * @param opts.strategyNames the built-in recovery strategies; custom ones from
 *   `input.recoveryStrategies` are added to them.
 * @throws ConfigError naming the first wrong field, e.g. `agents.coder.concurrency must be a positive integer`
 */
export function resolveConfig(input: unknown, opts: { strategyNames: readonly string[] }): ResolvedConfig {
  if (!isRecord(input)) throw new ConfigError('config', 'must be an object');

  // Unknown top-level keys first: a misspelt option name explains everything after it.
  for (const key of Object.keys(input)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(formatPath([key]), unknownOptionMessage(key, TOP_LEVEL_KEYS));
    }
  }

  const rawAgents = input['agents'];
  const rawStrategies = input['recoveryStrategies'];
  const customNames = isRecord(rawStrategies)
    ? Object.values(rawStrategies).flatMap((s) => (isRecord(s) && typeof s['name'] === 'string' ? [s['name']] : []))
    : [];
  const ctx: SchemaContext = {
    agentNames: isRecord(rawAgents) ? Object.keys(rawAgents) : [],
    strategyNames: [...new Set([...opts.strategyNames, ...customNames])],
  };

  const parsed = configSchema(input, ctx).safeParse(input, { error: fallbackMessage });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw first === undefined ? new ConfigError('config', 'is not valid') : toConfigError(first);
  }
  const config = defined(parsed.data);

  const agents: Record<string, ResolvedAgentConfig> = {};
  for (const [name, agent] of Object.entries(config.agents)) agents[name] = resolveAgent(name, agent);

  const taskTypes: Record<string, ResolvedTaskTypeConfig> = {};
  for (const [name, taskType] of Object.entries({ [DEFAULT_TASK_TYPE]: {}, ...config.taskTypes })) {
    taskTypes[name] = resolveTaskType(name, taskType);
  }

  const recoveryStrategies: Record<string, RecoveryStrategyConfig> = {};
  for (const strategy of Object.values(config.recoveryStrategies ?? {})) recoveryStrategies[strategy.name] = strategy;

  const rootChildren = config.supervisor?.children ?? [];
  const listed = new Set(listedAgents(rootChildren));
  const supervisor = resolveSupervisor(ROOT_SUPERVISOR_NAME, config.supervisor ?? {}, [
    ...rootChildren,
    ...Object.keys(agents).filter((name) => !listed.has(name)),
  ]);

  return {
    ...WARDEN_DEFAULTS,
    ...config,
    agents,
    supervisor,
    taskTypes,
    recoveryStrategies,
  };
}
