// Supervised resources the test controls (a port of the semantics of Erlang/OTP's supervisor_SUITE):
// agents whose start/stop hooks open incarnations the test crashes, ends or hangs; and readers of the
// lifecycle and supervisor records they produce.
import type { AgentConfig, Warden } from '../../src/index.ts';
import type { TransitionRecord } from '../../src/types.ts';
import { deferred, type Deferred } from './warden.ts';

export interface ResourceOptions {
  /** start(signal) rejects on these start numbers (1-based); `true` = always */
  failStart?: boolean | ((n: number) => boolean);
  /** start(signal) settles only when the test resolves this (per start number) */
  startGate?: (n: number) => Promise<void> | undefined;
  /** how stop() behaves; default resolves at once */
  stop?: 'resolve' | 'hang' | ((n: number) => Promise<void>);
  restart?: AgentConfig['restart'];
  shutdownMs?: AgentConfig['shutdownMs'];
  run?: AgentConfig['run'];
}

/**
 * One supervised resource the test controls: each start() opens an incarnation whose `exited`
 * promise the test resolves (a normal exit) or rejects (a crash). Starts and stops go to `log`.
 */
export class Resource {
  starts = 0;
  stops = 0;
  readonly signals: AbortSignal[] = [];
  readonly exits: Deferred<void>[] = [];
  readonly startTimes: number[] = [];
  readonly stopTimes: number[] = [];
  readonly stopCalls: Deferred<void>[] = [];

  constructor(
    readonly name: string,
    readonly log: string[],
    readonly opts: ResourceOptions = {},
  ) {}

  config(): AgentConfig {
    const cfg: AgentConfig = {
      start: async (signal: AbortSignal) => {
        const n = ++this.starts;
        this.startTimes.push(Date.now());
        this.signals.push(signal);
        this.log.push(`start:${this.name}`);
        const gate = this.opts.startGate?.(n);
        if (gate) await gate;
        const fail = this.opts.failStart;
        if (fail === true || (typeof fail === 'function' && fail(n))) {
          this.log.push(`start-failed:${this.name}`);
          throw new Error(`${this.name} failed to start (${n})`);
        }
        const exit = deferred<void>();
        this.exits[n - 1] = exit;
        return { exited: exit.promise };
      },
      stop: () => {
        const n = ++this.stops;
        this.stopTimes.push(Date.now());
        this.log.push(`stop:${this.name}`);
        const mode = this.opts.stop ?? 'resolve';
        if (mode === 'resolve') return undefined;
        if (mode === 'hang') {
          const d = deferred<void>();
          this.stopCalls.push(d);
          return d.promise;
        }
        return mode(n);
      },
    };
    if (this.opts.restart) cfg.restart = this.opts.restart;
    if (this.opts.shutdownMs !== undefined) cfg.shutdownMs = this.opts.shutdownMs;
    if (this.opts.run) cfg.run = this.opts.run;
    return cfg;
  }

  /** The current incarnation's exit. */
  private current(): Deferred<void> {
    const d = this.exits[this.starts - 1];
    if (!d) throw new Error(`${this.name}: incarnation ${this.starts} has no exit handle (start failed or pending)`);
    return d;
  }

  crash(reason = 'boom'): void {
    this.current().reject(new Error(`${this.name} ${reason}`));
  }

  exitNormally(): void {
    this.current().resolve();
  }

  /** the signal of the current (or given, 1-based) incarnation */
  signal(n = this.starts): AbortSignal {
    const s = this.signals[n - 1];
    if (!s) throw new Error(`${this.name}: no incarnation ${n}`);
    return s;
  }
}

/** Resources by name, sharing one log; `agents` is the config's agents map (declaration order kept). */
export function resources(
  names: readonly string[],
  opts: Record<string, ResourceOptions> = {},
): { log: string[]; r: Record<string, Resource>; agents: Record<string, AgentConfig> } {
  const log: string[] = [];
  const r: Record<string, Resource> = {};
  const agents: Record<string, AgentConfig> = {};
  for (const name of names) {
    const res = new Resource(name, log, opts[name]);
    r[name] = res;
    agents[name] = res.config();
  }
  return { log, r, agents };
}

export function res(r: Record<string, Resource>, name: string): Resource {
  const x = r[name];
  if (!x) throw new Error(`no resource ${name}`);
  return x;
}


const LIFECYCLES = new Set(['STARTING', 'RUNNING', 'RESTARTING', 'STOPPED', 'ESCALATED']);

/** An agent's lifecycle records (its circuit records left out). */
export function lifecycle(records: readonly TransitionRecord[], agent: string): TransitionRecord[] {
  return records.filter((r) => r.kind === 'agent' && r.id === agent && LIFECYCLES.has(r.to));
}

/** The supervisor's restart decisions: `to: 'RUNNING', event: 'RESTART'`, naming the child. */
export function restartDecisions(records: readonly TransitionRecord[], supervisor = 'root'): TransitionRecord[] {
  return records.filter((r) => r.kind === 'supervisor' && r.id === supervisor && r.event === 'RESTART' && r.to === 'RUNNING');
}

export function supervisorRecords(records: readonly TransitionRecord[], supervisor = 'root'): TransitionRecord[] {
  return records.filter((r) => r.kind === 'supervisor' && r.id === supervisor);
}

/** lifecycle of each agent by name */
export function lifecycles(w: Warden): Record<string, string> {
  return Object.fromEntries(w.agents().map((a) => [a.name, a.lifecycle]));
}

/** log entries after index `from`, optionally only of one kind ('start' or 'stop') */
export function since(log: readonly string[], from: number, kind?: 'start' | 'stop'): string[] {
  return log.slice(from).filter((e) => kind === undefined || e.startsWith(`${kind}:`));
}
