// The face's contract: the public types and the few public helpers that programs on top of Warden
// (its own HTTP control plane included) build with. src/http imports this file and nothing else of
// the runtime; the entry (src/index.ts) adds createWarden with listen() wired to the control plane.
export type { Warden, WardenOptions, Health, SupervisorView, WardenState, ListenOptions, ServerHandle, Serve, ServeRequest } from './runtime/warden-api.ts';
export type { ListQuery } from './runtime/tasks.ts';
export type { ActionOptions, RetryOptions } from './runtime/human.ts';
export { submitSchema, budgetSchema, type SubmitRequest } from './runtime/submit.ts';
export { parseRetryAfter } from './policy/retry-after.ts';
export { alertLevel } from './runtime/alerts.ts';
export { inputMessage } from './config/messages.ts';
