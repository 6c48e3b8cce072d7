// The public shape of a Warden: what createWarden() returns and the options it takes.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AgentView, Alert, BreakerView, Clock, NamedToken, ProviderView, TaskStatus, TaskView, TransitionRecord, UsageTotals } from '../types.ts';
import type { ActionOptions, RetryOptions } from './human.ts';
import type { SubmitRequest } from './submit.ts';
import type { ListQuery } from './tasks.ts';
import type { SupervisorView } from './views.ts';
import type { AgentConfig } from '../config.ts';
import type { AddAgentOptions } from './dynamic.ts';

export type { SupervisorView, ActionOptions, RetryOptions, AddAgentOptions };

/** A running control plane, as listen() returns it. */
export interface ServerHandle {
  url: string;
  port: number;
  hostname: string;
  server: Server;
  /** ends SSE streams, stops accepting, cuts what is left after the grace period; safe to call twice */
  close(): Promise<void>;
}

/** What listen() hands the transport: the caller's options plus what only the runtime knows. */
export interface ServeRequest {
  port?: number;
  hostname?: string;
  token?: string;
  tokens?: readonly NamedToken[];
  dataDir?: string;
  replay: (afterSeq: number) => TransitionRecord[];
  /** the newest record's seq, so the event stream can tell a Last-Event-ID ahead of it */
  lastSeq: () => number;
  /** the warden's clock, for times the transport reads */
  now: () => number;
  logger: Logger;
}

/**
 * Serves a warden on a socket. The runtime knows no transport: the entry (src/index.ts) hands it
 * the HTTP control plane's serveWarden, so the runtime never imports src/http.
 */
export type Serve = (warden: Warden, req: ServeRequest) => Promise<ServerHandle>;
export type WardenState = 'idle' | 'restoring' | 'running' | 'stopping' | 'stopped';

export interface Health {
  status: 'ok' | 'degraded' | 'failing';
  state: WardenState;
  ready: boolean;
  uptimeMs: number;
  agents: AgentView[];
  breakers: BreakerView[];
  supervisors: SupervisorView[];
  /** every provider's gate; a CLOSED one makes the status degraded */
  providers: ProviderView[];
  /** what the attempts that ended since start used, summed from their records */
  usage: UsageTotals;
  tasks: { total: number; inFlight: number; byStatus: Record<TaskStatus, number> };
  /** what the data directory holds (absent with `persist: false`) */
  storage?: { dataDir: string; usedBytes: number };
}

export interface Warden {
  /** restores from dataDir, starts the agents in order, resumes work */
  start(): Promise<void>;
  /** drains, writes a final snapshot; safe to call twice */
  stop(): Promise<void>;
  /** resolves once the task is durable (journaled) */
  submit(req: SubmitRequest): Promise<{ id: string; created: boolean }>;
  result(id: string): Promise<unknown>;
  get(id: string): TaskView | undefined;
  list(q?: ListQuery): { items: TaskView[]; nextCursor: string | null };
  history(id: string): TransitionRecord[];
  /** `opts.reason` (and `opts.by`, default `library`) go into the record: who acted and why */
  cancel(id: string, opts?: ActionOptions): Promise<TaskView>;
  /** `opts.budget` grants more: each field that much more than the task has used */
  retry(id: string, opts?: RetryOptions): Promise<TaskView>;
  resolve(id: string, output: unknown, opts?: ActionOptions): Promise<TaskView>;
  reportFailure(id: string, error: unknown): Promise<TaskView>;
  reportSuccess(id: string, output: unknown): Promise<TaskView>;
  heartbeat(id: string): Promise<TaskView>;
  health(): Health;
  breakers(): BreakerView[];
  resetBreaker(agent: string, opts?: ActionOptions): BreakerView;
  agents(): AgentView[];
  agent(name: string): AgentView;
  /** stop and start the agent's resource again; does not count toward restart intensity */
  restartAgent(name: string, opts?: ActionOptions): AgentView;
  stopAgent(name: string, opts?: ActionOptions): AgentView;
  startAgent(name: string, opts?: ActionOptions): AgentView;
  supervisors(): SupervisorView[];
  /** every provider (an agent's `provider`, default its name): its gate, agents and limits */
  providers(): ProviderView[];
  /** opens a CLOSED gate before its time (not_found unknown, invalid_transition when OPEN) */
  openGate(provider: string, opts?: ActionOptions): ProviderView;
  /**
   * OTP start_child: a new agent at the end of a supervisor's start order (default the root), or a
   * member of a pool (`def.pool`, the rest of def only the limits a member may set). Resolves once it
   * started (or crashed: its supervisor then decides) and is journaled. A taken name or a full pool
   * rejects with `conflict`; a bad def with `invalid_input` naming the field.
   */
  addAgent(name: string, def: AgentConfig & { pool?: string }, opts?: AddAgentOptions): Promise<AgentView>;
  /** OTP delete_child: forgets an agent added with addAgent once stopped (`stopAgent`); `invalid_transition` while it runs */
  removeAgent(name: string): Promise<void>;
  alerts(q?: { limit?: number }): Alert[];
  on(event: 'transition', listener: (record: TransitionRecord) => void): () => void;
  /** transition records after `seq`, oldest first (recent ones from memory, older from the journal) */
  replay(afterSeq: number): TransitionRecord[];
  /** serves the HTTP control plane; `warden.stop()` closes it */
  listen(opts?: ListenOptions): Promise<ServerHandle>;
  readonly state: WardenState;
}

export interface ListenOptions {
  /** 0 picks a free port. @defaultValue 3000 */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  hostname?: string;
  /** bearer token for the control routes, an admin's. @defaultValue config.token, else $WARDEN_TOKEN */
  token?: string;
  /** named tokens with roles: viewer (reads, events), operator (task actions, breaker reset), admin (everything) */
  tokens?: readonly NamedToken[];
}

export interface WardenOptions {
  /**
   * Where time is read and every timer armed (retry waits, open circuits, restarts, attempt timeouts,
   * drain, snapshots, retention). A SimulatedClock runs a day of traffic in seconds.
   * @defaultValue the real clock (Date.now and Node's timers)
   */
  clock?: Clock;
  /** only the time, on real timers; `clock` wins when both are given. @defaultValue Date.now */
  now?: () => number;
  /** the random draw for jitter. @defaultValue Math.random */
  random?: () => number;
}
