// The createWarden() configuration's types, constants and defaults: what a caller passes, and what
// resolveConfig() (./resolve.ts) hands the runtime once every default is filled in.

import type { Logger } from 'pino';
import type { Alert, AutoShutdown, BackoffOptions, BreakerOptions, Budget, Durability, ProviderLimits, RestartType, SupervisorStrategy, TaskError } from '../types.ts';
import { AUTO_SHUTDOWN_MODES, DURABILITY_MODES, RESTART_TYPES, SUPERVISOR_STRATEGIES } from '../types.ts';

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

export type { RestartType, SupervisorStrategy, Durability };
export type ShutdownSetting = number | 'brutal_kill' | 'infinity';

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
  /** Starts a long-lived resource; may return an {@link AgentHandle}. A rejection is a crash.
   * `info.name` tells which agent it is (a pool's members share one spec). */
  start?: (signal: AbortSignal, info: { name: string }) => unknown | Promise<unknown>;
  stop?: (info: { name: string }) => unknown | Promise<unknown>;
  /** OTP restart type: restart always, only after a crash, or never.
   * @defaultValue 'permanent' */
  restart?: RestartType;
  /** The provider this agent calls: a 429 with Retry-After from any agent of a provider closes that
   * provider's gate for all of them, and `providers.<name>` limits are shared by them.
   * @defaultValue the agent's own name */
  provider?: string;
  /** How long `stop` may take before the agent is abandoned, in ms, or 'brutal_kill' / 'infinity'.
   * @defaultValue 5000 */
  shutdownMs?: ShutdownSetting;
  /** OTP significant child: its own exit counts toward its supervisor's `autoShutdown`. Only with
   * `restart: 'transient' | 'temporary'`, under a supervisor whose autoShutdown is not 'never'.
   * @defaultValue false */
  significant?: boolean;
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
  /** Limits on what one task of this type may use over all its attempts; a submit's `budget`
   * overrides it field by field. Unset = no limit. */
  budget?: Budget;
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
  children?: Array<string | NestedSupervisorConfig | PoolConfig>;
  /** OTP auto_shutdown: stop this supervisor (and its children) once any / all of its significant
   * children ended by themselves; a nested one then counts as a child that exited normally.
   * @defaultValue 'never' */
  autoShutdown?: AutoShutdown;
}

export type NestedSupervisorConfig = SupervisorConfig & {
  name: string;
  /** its own auto shutdown counts toward its parent's autoShutdown. @defaultValue false */
  significant?: boolean;
};

/** A pool (OTP simple_one_for_one): members added at run time with `addAgent(name, { pool })`, all
 * running the pool's agent spec; restarted one for one, the pool's intensity counting them together. */
export interface PoolConfig {
  name: string;
  pool: {
    /** the members' spec: run, role, defaults (a member may override the declarative limits) */
    agent: AgentConfig;
    /** members at most; a positive integer. @defaultValue 1000 */
    max?: number;
  };
  maxRestarts?: number;
  withinMs?: number;
  backoff?: Partial<BackoffOptions>;
  resetBackoffAfterMs?: number;
  autoShutdown?: AutoShutdown;
  significant?: boolean;
}

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
  /** Rate limits per provider (an agent's `provider`), as token buckets shared by its agents.
   * Unset = no limits, only the gate a 429 closes. */
  providers?: Record<string, ProviderLimits>;
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
  /** Finished tasks kept in memory (and in each snapshot) at most; older ones leave memory and are
   * read back from the journal (get, history) until `retentionMs`.
   * @defaultValue 10000 */
  maxFinishedInMemory?: number;
  /** How long a finished task stays in memory at most, in ms.
   * @defaultValue 600000 (10 minutes) */
  finishedInMemoryMs?: number;
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
  /** Where state lives: PostgreSQL instead of the file store in dataDir (several processes may share it).
   * @defaultValue the file store in dataDir */
  store?: StoreConfig;
  /** This process's name in a cluster on PostgreSQL; unique among the live processes.
   * @defaultValue `${hostname}:${pid}` */
  node?: string;
  /** How long a process's claim on a running attempt lasts without renewal; a dead process's
   * attempts are failed as `crash` by another process after this (plus up to 1 s). PostgreSQL only.
   * @defaultValue 15000 */
  leaseMs?: number;
}

export interface StoreConfig {
  postgres: {
    /** e.g. 'postgres://127.0.0.1/test'; the password never appears in errors or logs */
    connectionString: string;
    /** the schema holding Warden's tables (created at start). @defaultValue 'warden' */
    schema?: string;
  };
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
  start?: (signal: AbortSignal, info: { name: string }) => unknown | Promise<unknown>;
  stop?: (info: { name: string }) => unknown | Promise<unknown>;
  restart: RestartType;
  shutdownMs: ShutdownSetting;
  provider: string;
  significant: boolean;
}

export interface ResolvedTaskTypeConfig {
  name: string;
  maxRetries: number;
  backoff: BackoffOptions;
  recovery: string[];
  degrade?: (task: TaskInfo, error: TaskError) => unknown;
  budget?: Budget;
}

export interface ResolvedSupervisorConfig {
  /** {@link ROOT_SUPERVISOR_NAME} for the root. */
  name: string;
  strategy: SupervisorStrategy;
  maxRestarts: number;
  withinMs: number;
  backoff: BackoffOptions;
  resetBackoffAfterMs: number;
  /** Agent names and nested supervisors (pools too), in start order. */
  children: Array<string | ResolvedSupervisorConfig>;
  autoShutdown: AutoShutdown;
  significant: boolean;
  /** set for a pool: its members' spec (named after the pool) and their limit */
  pool?: { agent: ResolvedAgentConfig; max: number };
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
  /** Only the providers that have limits configured. */
  providers: Record<string, ProviderLimits>;
  classifyError?: (err: unknown) => Partial<TaskError> | undefined;
  notify?: (alert: Alert) => unknown | Promise<unknown>;
  logger?: Logger;
  inspect?: unknown;
  retentionMs: number;
  maxFinishedInMemory: number;
  finishedInMemoryMs: number;
  drainMs: number;
  snapshotEvery: number;
  snapshotIntervalMs: number;
  maxAlerts: number;
  token?: string;
  store?: StoreConfig;
  node: string;
  leaseMs: number;
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

export { SUPERVISOR_STRATEGIES, RESTART_TYPES, DURABILITY_MODES, AUTO_SHUTDOWN_MODES };
/** A pool's `max` when the config gives none. */
export const DEFAULT_POOL_MAX = 1_000;
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

export const AGENT_DEFAULTS: Readonly<Pick<ResolvedAgentConfig, 'concurrency' | 'timeoutMs' | 'restart' | 'shutdownMs' | 'significant'>> =
  Object.freeze({ concurrency: 4, timeoutMs: 30_000, restart: 'permanent', shutdownMs: 5_000, significant: false });

export const TASK_TYPE_DEFAULTS: Readonly<Pick<ResolvedTaskTypeConfig, 'maxRetries'>> = Object.freeze({ maxRetries: 1 });

export const SUPERVISOR_DEFAULTS: Readonly<
  Pick<ResolvedSupervisorConfig, 'strategy' | 'maxRestarts' | 'withinMs' | 'resetBackoffAfterMs' | 'autoShutdown' | 'significant'>
> = Object.freeze({ strategy: 'one_for_one', maxRestarts: 3, withinMs: 5_000, resetBackoffAfterMs: 60_000, autoShutdown: 'never', significant: false });

export const WARDEN_DEFAULTS: Readonly<
  Pick<
    ResolvedConfig,
    | 'dataDir'
    | 'persist'
    | 'durability'
    | 'retentionMs'
    | 'maxFinishedInMemory'
    | 'finishedInMemoryMs'
    | 'drainMs'
    | 'snapshotEvery'
    | 'snapshotIntervalMs'
    | 'maxAlerts'
    | 'leaseMs'
  >
> = Object.freeze({
  dataDir: './data',
  persist: true,
  durability: 'write',
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  maxFinishedInMemory: 10_000,
  finishedInMemoryMs: 10 * 60 * 1000,
  drainMs: 0,
  snapshotEvery: 1_000,
  snapshotIntervalMs: 30_000,
  maxAlerts: 1_000,
  leaseMs: 15_000,
});
