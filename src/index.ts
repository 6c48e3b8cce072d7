// Warden's public API. Users import from here and nowhere else.
export { createWarden } from './runtime/warden.ts';
export type { Warden, WardenOptions, Health, SupervisorView, WardenState, ListenOptions } from './runtime/warden.ts';
export type { ActionOptions } from './runtime/human.ts';
export type { ServerHandle } from './http/server.ts';
export type { ListQuery } from './runtime/tasks.ts';
export type { SubmitRequest } from './runtime/submit.ts';
export type {
  WardenConfig,
  AgentConfig,
  TaskTypeConfig,
  SupervisorConfig,
  RunContext,
  RunFn,
  TaskInfo,
  AgentHandle,
} from './config.ts';
export type { RecoveryStrategy, RecoveryContext, RecoveryTask, Decision, AgentInfo } from './policy/recovery.ts';
export { classifyError } from './policy/classify.ts';
export { backoffDelay } from './policy/backoff.ts';
export { WardenError, ConfigError, isWardenError } from './errors.ts';
export type { WardenErrorCode } from './errors.ts';
export * from './types.ts';
export { taskMachine } from '../machines/task.ts';
export { agentMachine } from '../machines/agent.ts';
export { supervisorMachine } from '../machines/supervisor.ts';
