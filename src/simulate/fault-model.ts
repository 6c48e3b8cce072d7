// The scripted stand-ins for a config's effects: each agent's run(), each resource's start()/stop(),
// and the executor behind each external agent. Every call asks the scenario how its agent behaves at
// this moment (latency, error mix, usage), draws its outcome from the agent's own seeded stream, and
// waits on the simulated clock. What they throw is shaped like a real HTTP client's error, so the
// runtime's own classification (429 + Retry-After, 5xx, 401, ECONNRESET, …) decides what follows.
import type { AgentHandle, RunFn } from '../config.ts';
import type { Clock, TransitionRecord, Warden } from '../index.ts';
import type { ClockView } from './clock-view.ts';
import { between, stream, type Random } from './random.ts';
import { FAULT_KINDS, mergeBehaviour, windowActive, type CallBehaviour, type FaultKind, type Scenario } from './scenario.ts';
import { targetAgents, type AgentFacts, type Topology } from './topology.ts';

export interface Spent {
  costUsd: number;
  tokens: number;
}

export interface FaultModel {
  behaviourAt(agent: string, now: number): CallBehaviour;
  run(agent: string, clock: ClockView): RunFn;
  start(agent: string, clock: Clock): (signal: AbortSignal) => AgentHandle;
  /** plays the executor of every external agent of `warden`; returns the unsubscribe */
  driveExternal(warden: Warden, clock: Clock): () => void;
  readonly spent: Spent;
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason once it aborts. Infinity waits for the abort. */
function wait(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const handle = Number.isFinite(ms) ? clock.setTimeout(done, ms) : undefined;
    function onAbort() {
      if (handle !== undefined) clock.clearTimeout(handle);
      reject(signal?.reason as Error);
    }
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function draw(random: Random, errors: CallBehaviour['errors']): FaultKind | undefined {
  let r = random();
  for (const kind of FAULT_KINDS) if ((r -= errors[kind] ?? 0) < 0) return kind;
  return undefined;
}

/** What a real client throws for `kind`: the same shapes the runtime classifies from openai, fetch, node. */
function thrown(kind: Exclude<FaultKind, 'hang'>, agent: string, retryAfterMs: number): Error {
  const http = (status: number, text: string, extra: object = {}) => Object.assign(new Error(`${agent}: ${status} ${text} (simulated)`), { status }, extra);
  switch (kind) {
    case 'rate_limit':
      return http(429, 'Too Many Requests', { headers: new Headers({ 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1_000))) }) });
    case 'server':
      return http(503, 'Service Unavailable');
    case 'auth':
      return http(401, 'Unauthorized');
    case 'not_found':
      return http(404, 'Not Found');
    case 'validation':
      return http(400, 'Bad Request');
    case 'connection':
      return Object.assign(new Error(`${agent}: read ECONNRESET (simulated)`), { code: 'ECONNRESET' });
  }
}

/** One call's fate, drawn before the call starts; `usage` is what a success reports. */
interface CallPlan {
  fault: FaultKind | undefined;
  latencyMs: number;
  retryAfterMs: number;
  usage: { turns: number; tokens: number; costUsd: number };
}

export function createFaultModel(opts: { scenario: Scenario; topology: Topology; seed: number; startAt: number }): FaultModel {
  const { scenario, topology, seed, startAt } = opts;
  const spent: Spent = { costUsd: 0, tokens: 0 };
  const streams = new Map<string, Random>();
  const streamOf = (name: string) => {
    let s = streams.get(name);
    if (!s) streams.set(name, (s = stream(seed, name)));
    return s;
  };
  const facts = new Map(topology.agents.map((a) => [a.name, a]));
  const windows = scenario.windows.map((w) => ({ w, agents: new Set(targetAgents(topology, w.target) ?? []) }));
  const steady = steadyBehaviours(scenario, topology);

  function behaviourAt(agent: string, now: number): CallBehaviour {
    let b = steady.get(agent) ?? scenario.calls;
    for (const { w, agents } of windows) if (agents.has(agent) && windowActive(w, now - startAt)) b = mergeBehaviour(b, w);
    return b;
  }

  /** One call's fate: its fault (undefined = success), how long it takes, its Retry-After. */
  function plan(agent: string, now: number): CallPlan {
    const random = streamOf(`call:${agent}`);
    const b = behaviourAt(agent, now);
    const fault = draw(random, b.errors);
    const latencyMs = fault === 'hang' ? Infinity : Math.round(between(random, fault ? b.errorLatencyMs : b.latencyMs));
    const retryAfterMs = between(random, b.retryAfterMs);
    const tokens = Math.round(between(random, b.usage.tokens));
    return { fault, latencyMs, retryAfterMs, usage: { turns: b.usage.turns, tokens, costUsd: tokens * b.usage.costUsdPerToken } };
  }

  const run = (agent: string, clock: ClockView): RunFn => async (task, ctx) => {
    const p = plan(agent, clock.now());
    // A killed process's calls never answer: not even the abort its shutdown sends them.
    await wait(clock, p.latencyMs, ctx.signal).catch((err: unknown) => (clock.dead ? new Promise<never>(() => {}) : Promise.reject(err)));
    if (p.fault === 'hang') throw new Error('unreachable: a hung call only ends by its abort');
    if (p.fault) throw thrown(p.fault, agent, p.retryAfterMs);
    ctx.reportUsage(p.usage);
    spent.tokens += p.usage.tokens;
    spent.costUsd += p.usage.costUsd;
    return { agent, attempt: ctx.attempt, simulated: true, tokens: p.usage.tokens, task: task.id };
  };

  const start = (agent: string, clock: Clock) => (signal: AbortSignal): AgentHandle => {
    const uptime = scenario.resources[agent]?.uptimeMs ?? scenario.resources['*']?.uptimeMs;
    if (!uptime || !facts.get(agent)?.resource) return { exited: wait(clock, Infinity, signal).catch(() => 0) };
    const ms = Math.round(between(streamOf(`resource:${agent}`), uptime));
    // Stopped on purpose first: a normal exit. Otherwise it dies, as a crash.
    const exited = wait(clock, ms, signal).then(
      () => Promise.reject(new Error(`${agent}: resource died after ${ms} ms (simulated)`)),
      () => 0,
    );
    exited.catch(() => {});
    return { exited };
  };

  return { behaviourAt, run, start, driveExternal: (warden, clock) => playExternal({ topology, facts, plan }, warden, clock), spent };
}

/** The run-long behaviour of each agent: the base, then its provider's entry, then its own. */
function steadyBehaviours(scenario: Scenario, topology: Topology): Map<string, CallBehaviour> {
  return new Map(
    topology.agents.map((a) => {
      let b = scenario.calls;
      for (const key of ['*', a.provider, a.name]) {
        const over = scenario.agents[key];
        if (over) b = mergeBehaviour(b, over);
      }
      return [a.name, b];
    }),
  );
}

/** What playing the external executors needs from one createFaultModel. */
interface ExternalKit {
  topology: Topology;
  facts: ReadonlyMap<string, AgentFacts>;
  /** draws one call's fate from the agent's call stream */
  plan: (agent: string, now: number) => CallPlan;
}

/** FaultModel.driveExternal: on each attempt dispatched to an external agent, heartbeats and reports its planned outcome. */
function playExternal({ topology, facts, plan }: ExternalKit, warden: Warden, clock: Clock): () => void {
  const external = new Set(topology.agents.filter((a) => a.kind === 'external').map((a) => a.name));
  if (external.size === 0) return () => {};
  const quiet = (p: Promise<unknown>) => void p.catch(() => {});
  const current = (id: string, attempt: number) => {
    const t = warden.get(id);
    return t?.status === 'IN_PROGRESS' && t.attempts === attempt;
  };
  return warden.on('transition', (r: TransitionRecord) => {
    if (r.kind !== 'task' || r.to !== 'IN_PROGRESS' || !r.agent || !external.has(r.agent) || r.attempt === undefined) return;
    const { id, attempt, agent } = { id: r.id, attempt: r.attempt, agent: r.agent };
    const p = plan(agent, clock.now());
    const beat = facts.get(agent)?.heartbeatTimeoutMs;
    // A lost attempt (hang) sends nothing more: the heartbeat timeout, if any, fails it.
    if (beat !== undefined && p.fault !== 'hang') {
      const tick = () => {
        if (!current(id, attempt)) return;
        quiet(warden.heartbeat(id));
        clock.setTimeout(tick, beat / 2);
      };
      clock.setTimeout(tick, beat / 2);
    }
    const fault = p.fault;
    if (fault === 'hang') return;
    clock.setTimeout(() => {
      if (!current(id, attempt)) return;
      if (fault) quiet(warden.reportFailure(id, thrown(fault, agent, p.retryAfterMs)));
      else quiet(warden.reportSuccess(id, { agent, attempt, simulated: true }));
    }, p.latencyMs);
  });
}
