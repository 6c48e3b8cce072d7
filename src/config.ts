// The createWarden() configuration: its types, its defaults, and resolveConfig(), which validates a
// caller's config with zod and fills every default in once. A wrong config throws a ConfigError naming
// the first wrong field by its dotted path, e.g. `agents.coder.concurrency must be a positive integer`.
//
// This file is the one place the rest of the code imports the config from. It holds no code of its own:
//   config/types.ts    the types a caller passes and the runtime gets, the constants and the defaults
//   config/schemas.ts  the zod schemas, each field with a plain-English message
//   config/resolve.ts  resolveConfig(), and turning a zod issue into a ConfigError

export type {
  RunContext,
  TaskInfo,
  RunFn,
  AgentHandle,
  RestartType,
  ShutdownSetting,
  SupervisorStrategy,
  Durability,
  AgentConfig,
  TaskTypeConfig,
  SupervisorConfig,
  NestedSupervisorConfig,
  RecoveryStrategyConfig,
  WardenConfig,
  ResolvedAgentConfig,
  ResolvedTaskTypeConfig,
  ResolvedSupervisorConfig,
  ResolvedConfig,
} from './config/types.ts';
export {
  AGENT_NAME_PATTERN,
  DEFAULT_TASK_TYPE,
  ROOT_SUPERVISOR_NAME,
  MAX_TIMER_MS,
  SUPERVISOR_STRATEGIES,
  RESTART_TYPES,
  DURABILITY_MODES,
  JITTER_MODES,
  DEFAULT_RECOVERY,
  BREAKER_DEFAULTS,
  TASK_BACKOFF_DEFAULTS,
  RESTART_BACKOFF_DEFAULTS,
  MAX_TIMEOUT_FACTOR,
  AGENT_DEFAULTS,
  TASK_TYPE_DEFAULTS,
  SUPERVISOR_DEFAULTS,
  WARDEN_DEFAULTS,
} from './config/types.ts';
export { unknownOptionMessage } from './config/schemas.ts';
export { formatPath, resolveConfig } from './config/resolve.ts';
