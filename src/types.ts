// Plain data shared by every layer. Nothing here does anything.

export const TASK_STATUSES = [
  'PENDING',
  'ASSIGNED',
  'IN_PROGRESS',
  'FAILED',
  'RETRY_WAIT',
  'ESCALATED',
  'SUCCEEDED',
  'CANCELLED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['SUCCEEDED', 'CANCELLED'];

export const CIRCUIT_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export const AGENT_LIFECYCLES = ['STARTING', 'RUNNING', 'RESTARTING', 'STOPPED', 'ESCALATED'] as const;
export type AgentLifecycle = (typeof AGENT_LIFECYCLES)[number];

/** OTP restart types: whether an exit asks the supervisor for a restart at all. */
export const RESTART_TYPES = ['permanent', 'transient', 'temporary'] as const;
export type RestartType = (typeof RESTART_TYPES)[number];

/** OTP restart strategies: which children a crash takes down with it. */
export const SUPERVISOR_STRATEGIES = ['one_for_one', 'one_for_all', 'rest_for_one'] as const;
export type SupervisorStrategy = (typeof SUPERVISOR_STRATEGIES)[number];

/** OTP auto_shutdown: whether a supervisor exits once its significant children are done. */
export const AUTO_SHUTDOWN_MODES = ['never', 'any_significant', 'all_significant'] as const;
export type AutoShutdown = (typeof AUTO_SHUTDOWN_MODES)[number];

export const SUPERVISOR_STATUSES = ['RUNNING', 'RESTARTING', 'ESCALATED', 'STOPPED'] as const;
export type SupervisorStatus = (typeof SUPERVISOR_STATUSES)[number];

/** 'fsync' syncs each journal write, 'write' leaves it to the OS, 'memory' writes nothing. */
export const DURABILITY_MODES = ['fsync', 'write', 'memory'] as const;
export type Durability = (typeof DURABILITY_MODES)[number];

export const ERROR_KINDS = [
  'rate_limit',
  'server',
  'auth',
  'not_found',
  'validation',
  'timeout',
  'connection',
  'crash',
  'cancelled',
  'unknown',
  /** the task's budget is spent: never retried, the task goes ESCALATED */
  'budget',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** An agent failure, classified once; only this plain object travels afterwards. */
export interface TaskError {
  kind: ErrorKind;
  message: string;
  status?: number;
  retryAfterMs?: number;
}

/** One state change of a task, an agent or a supervisor. Journal, audit trail, SSE, metrics and alerts all read it. */
export interface TransitionRecord {
  seq: number;
  /** epoch milliseconds */
  at: number;
  /** 'provider': a provider's rate-limit gate opened or closed (id is the provider's name) */
  kind: 'task' | 'agent' | 'supervisor' | 'provider';
  id: string;
  /** null for the record that creates the actor */
  from: string | null;
  to: string;
  event: string;
  attempt?: number;
  agent?: string;
  error?: TaskError;
  /** who made a human action (cancel, retry, resolve, breaker reset, agent start/stop/restart): a token's name, or `library` */
  by?: string;
  /** why, as the human said it */
  reason?: string;
  /** on a task record that ends an attempt (from IN_PROGRESS): what that attempt used */
  usage?: UsageTotals;
  /** on a provider record that closes its gate: when it opens again (epoch ms) */
  closedUntil?: number;
}

/** Who asks for a human action and why; carried by the event into its TransitionRecord. */
export interface Actor {
  by?: string;
  reason?: string;
}

/** What a machine emits; the runtime stamps `seq` and `at`. */
export type TransitionFact = Omit<TransitionRecord, 'seq' | 'at'>;

export interface Usage {
  turns?: number;
  costUsd?: number;
  tokens?: number;
}

/** What a task (or one attempt) used: the sum of its reportUsage calls, plus its attempts' wall time. */
export interface UsageTotals {
  turns: number;
  tokens: number;
  costUsd: number;
  wallMs: number;
}

/** Limits on what a task may use over all its attempts; each one is optional and positive. */
export interface Budget {
  turns?: number;
  tokens?: number;
  costUsd?: number;
  wallMs?: number;
}

export const BUDGET_FIELDS = ['turns', 'tokens', 'costUsd', 'wallMs'] as const;
export type BudgetField = (typeof BUDGET_FIELDS)[number];

/** A provider's rate-limit gate: OPEN lets its agents be called, CLOSED (after a 429 with Retry-After) holds them. */
export const GATE_STATES = ['OPEN', 'CLOSED'] as const;
export type GateState = (typeof GATE_STATES)[number];

/** Token buckets shared by every agent of one provider. */
export interface ProviderLimits {
  /** attempts started per minute */
  requestsPerMinute?: number;
  /** tokens (from reportUsage) per minute */
  tokensPerMinute?: number;
  /** attempts running at once over all the provider's agents */
  concurrency?: number;
  /**
   * whether a 429 with a Retry-After from one of its agents closes the provider's gate (false: each
   * task only waits out its own Retry-After, as in every other runtime). @defaultValue true
   */
  closeOnRetryAfter?: boolean;
}

export interface ProviderView {
  provider: string;
  gate: GateState;
  /** ISO time the gate opens by itself (CLOSED only) */
  closedUntil?: string;
  /** the agents that call this provider */
  agents: string[];
  limits?: ProviderLimits;
  /** attempts of its agents running now */
  inFlight: number;
}

export type AlertLevel = 'WARNING' | 'CRITICAL';
export interface Alert {
  id: string;
  /** ISO time */
  at: string;
  level: AlertLevel;
  component: string;
  message: string;
  details: Record<string, unknown>;
}

export interface BackoffOptions {
  /** @defaultValue 2000 for tasks, 100 for restarts */
  initialMs: number;
  /** @defaultValue 2 */
  factor: number;
  /** @defaultValue 60000 for tasks, 30000 for restarts */
  maxMs: number;
  /** @defaultValue 'full' */
  jitter: 'none' | 'full' | 'equal' | 'decorrelated';
}

export interface BreakerOptions {
  /** failures within `windowMs` that open the circuit. @defaultValue 5 */
  failureThreshold: number;
  /** @defaultValue 60000 */
  windowMs: number;
  /** how long the circuit stays OPEN. @defaultValue 30000 */
  openMs: number;
  /** calls let through at once while HALF_OPEN. @defaultValue 1 */
  halfOpenProbes: number;
  /** probe successes that close the circuit. @defaultValue halfOpenProbes */
  successThreshold: number;
}

/** A task as the outside world sees it (library and HTTP). Times are ISO strings. */
export interface TaskView {
  id: string;
  type: string;
  agent: string;
  status: TaskStatus;
  input: unknown;
  output?: unknown;
  degraded?: boolean;
  resolvedBy?: 'human';
  attempts: number;
  maxRetries: number;
  error?: TaskError;
  /** the last failure, kept after a success or a retry cleared `error` */
  lastError?: TaskError;
  checkpoint?: unknown;
  nextRetryAt?: string;
  idempotencyKey?: string;
  /** what the task used over all its attempts */
  usage: UsageTotals;
  budget?: Budget;
  createdAt: string;
  updatedAt: string;
}

export interface BreakerView {
  agent: string;
  state: CircuitState;
  failures: number;
  openedAt?: string;
  halfOpenAt?: string;
}

export interface AgentView {
  name: string;
  role: string;
  lifecycle: AgentLifecycle;
  circuit: CircuitState;
  restarts: number;
  inFlight: number;
  queued: number;
  concurrency: number;
  external: boolean;
  lastExit?: { at: string; reason: string };
}

/** A timer handle, as the clock that armed it returns it. */
export type TimerHandle = unknown;

/**
 * Where the runtime reads time and arms timers: every part takes this one object, so a test or a
 * simulator can drive time (SimulatedClock) instead of waiting for it. Its shape is a superset of
 * XState's `Clock`, so actors' delayed transitions run on it too.
 */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The roles of the control plane's tokens, weakest first. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** One operator's token. A single plain `token` option counts as `{ name: 'admin', role: 'admin' }`. */
export interface NamedToken {
  name: string;
  token: string;
  role: Role;
}
