// Warden's public API. Users import from here and nowhere else.
// It is the one file above the HTTP layer (besides the CLI): it wires listen() to the control plane,
// so the runtime below never imports a transport.
import type { WardenConfig } from './config.ts';
import { serveWarden } from './http/server.ts';
import type { Warden, WardenOptions } from './runtime/warden-api.ts';
import { createWarden as createRuntime } from './runtime/warden.ts';

/** A warden whose listen() serves the HTTP control plane. */
export function createWarden(config: WardenConfig, opts: WardenOptions = {}): Warden {
  return createRuntime(config, opts, { serve: serveWarden });
}

export type { Warden, WardenOptions, Health, SupervisorView, WardenState, ListenOptions, ServerHandle } from './api.ts';
export type { ListQuery, SubmitRequest } from './api.ts';
export type { ActionOptions, RetryOptions } from './api.ts';
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
export { SimulatedClock, type SimulatedClockOptions } from './runtime/simulated-clock.ts';
export { realClock } from './runtime/clock.ts';
export { taskMachine } from '../machines/task.ts';
export { agentMachine } from '../machines/agent.ts';
export { supervisorMachine } from '../machines/supervisor.ts';
