// resolveConfig(): validates a createWarden() config against ./schemas.ts and fills every default in
// once. A wrong config throws a ConfigError naming the first wrong field by its dotted path.

import { hostname } from 'node:os';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { BackoffOptions } from '../types.ts';
import {
  AGENT_DEFAULTS,
  BREAKER_DEFAULTS,
  DEFAULT_POOL_MAX,
  DEFAULT_RECOVERY,
  DEFAULT_TASK_TYPE,
  MAX_TIMEOUT_FACTOR,
  MAX_TIMER_MS,
  RESTART_BACKOFF_DEFAULTS,
  ROOT_SUPERVISOR_NAME,
  SUPERVISOR_DEFAULTS,
  TASK_BACKOFF_DEFAULTS,
  TASK_TYPE_DEFAULTS,
  WARDEN_DEFAULTS,
  type AgentConfig,
  type PoolConfig,
  type RecoveryStrategyConfig,
  type ResolvedAgentConfig,
  type ResolvedConfig,
  type ResolvedSupervisorConfig,
  type ResolvedTaskTypeConfig,
  type SupervisorConfig,
  type TaskTypeConfig,
} from './types.ts';
import { isPoolChild } from './significance.ts';
import { TOP_LEVEL_KEYS, configSchema, isRecord, unknownOptionMessage, type Child, type SchemaContext } from './schemas.ts';

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

export function resolveAgent(name: string, agent: AgentConfig): ResolvedAgentConfig {
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
    provider: given.provider ?? name,
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
    ...(given.budget ? { budget: { ...given.budget } } : {}),
  };
}

function resolveSupervisor(name: string, supervisor: SupervisorConfig & { significant?: boolean }, children: readonly Child[]): ResolvedSupervisorConfig {
  const { children: _children, ...given } = defined(supervisor);
  return {
    ...SUPERVISOR_DEFAULTS,
    ...given,
    name,
    backoff: resolveBackoff(given.backoff, RESTART_BACKOFF_DEFAULTS),
    children: children.map((c) => {
      if (typeof c === 'string') return c;
      if (isPoolChild(c)) return resolvePool(c);
      return resolveSupervisor(c.name, c, c.children ?? []);
    }),
  };
}

/** A pool is a one_for_one supervisor whose children all come from one agent spec (simple_one_for_one). */
function resolvePool(p: PoolConfig): ResolvedSupervisorConfig {
  const { pool, ...rest } = p;
  return {
    ...resolveSupervisor(p.name, { ...rest, strategy: 'one_for_one' }, []),
    pool: { agent: resolveAgent(p.name, pool.agent), max: pool.max ?? DEFAULT_POOL_MAX },
  };
}

/** The agent names a tree lists, depth first. */
function listedAgents(children: readonly Child[]): string[] {
  return children.flatMap((c) => (typeof c === 'string' ? [c] : isPoolChild(c) ? [] : listedAgents(c.children ?? [])));
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
    node: config.node ?? `${hostname()}:${process.pid}`,
    agents,
    supervisor,
    taskTypes,
    recoveryStrategies,
    providers: Object.fromEntries(Object.entries(config.providers ?? {}).map(([name, l]) => [name, { ...l }])),
  };
}
