// Provider gates: one gate actor per provider (machines/provider.ts), plus the token buckets and the
// concurrency count its agents share. The engine asks `admits` before it starts an attempt.
import { createActor, type ActorRefFrom, type InspectionEvent, type Observer } from 'xstate';
import { providerMachine, type ProviderContext } from '../../machines/provider.ts';
import type { ResolvedConfig } from '../config.ts';
import { WardenError } from '../errors.ts';
import type { ProviderState } from '../store/state.ts';
import { MAX_RETRY_AFTER_MS } from '../policy/decide.ts';
import { fullBucket, msUntil, take, type Bucket } from '../policy/token-bucket.ts';
import type { Actor, Clock, ProviderLimits, ProviderView, TaskError, TimerHandle, TransitionFact } from '../types.ts';
import { remaining, unref } from './clock.ts';

export type { ProviderState };

export interface ProviderGates {
  /** creates the gate actors (restored ones in their state) and arms a closed gate's remaining time */
  start(restored?: Record<string, ProviderState>): void;
  stop(): void;
  /** the provider of an agent */
  of(agent: string): string;
  /** whether an agent of `provider` may be called now; when a bucket says no, a wake is armed */
  admits(provider: string): boolean;
  /** an attempt started / ended on one of the provider's agents */
  started(provider: string): void;
  released(provider: string): void;
  /** tokens an attempt reported (they come out of tokensPerMinute) */
  used(provider: string, tokens: number): void;
  /** an attempt of `agent` failed: a 429 that says when to come back closes its provider's gate until then */
  failed(agent: string, error: TaskError, at: number): void;
  /** an operator opens a CLOSED gate; invalid_transition when it is OPEN, not_found when unknown */
  open(provider: string, who: Actor): ProviderView;
  views(): ProviderView[];
  state(provider: string): ProviderState | undefined;
  readonly names: readonly string[];
}

interface Gate {
  ref: ActorRefFrom<typeof providerMachine>;
  agents: string[];
  limits?: ProviderLimits;
  requests?: Bucket;
  tokens?: Bucket;
  inFlight: number;
  wake?: TimerHandle;
}

export function createProviderGates(d: {
  config: ResolvedConfig;
  clock: Clock;
  inspect?: Observer<InspectionEvent> | ((ev: InspectionEvent) => void);
  publish: (fact: TransitionFact) => void;
  /** the provider's agents may be called again: pump their queues */
  wake: (agents: readonly string[]) => void;
}): ProviderGates {
  const { config, clock } = d;
  const now = () => clock.now();
  const byAgent = new Map(Object.values(config.agents).map((a) => [a.name, a.provider]));
  const names = [...new Set(byAgent.values())];
  const gates = new Map<string, Gate>();
  const machine = providerMachine.provide({ delays: { closedDelay: ({ context }) => remaining(context.closedUntil, now) } });
  const kit: GateKit = { d, machine, byAgent, gates };

  return {
    names,
    start(restored = {}) {
      const at = now();
      for (const name of names) {
        const saved = restored[name];
        const g = newGate(kit, name, saved, at);
        gates.set(name, g);
        g.ref.start();
        // Restored timers are not armed: RESUME arms the remaining time (at once when it is past).
        if (saved?.gate === 'CLOSED') g.ref.send({ type: 'RESUME' });
      }
    },
    stop() {
      for (const g of gates.values()) {
        if (g.wake !== undefined) clock.clearTimeout(g.wake);
        g.wake = undefined;
        g.ref.stop();
      }
    },
    of: (agent) => byAgent.get(agent) ?? agent,
    admits(name) {
      const g = gates.get(name);
      if (!g) return true;
      if (g.ref.getSnapshot().context.gate !== 'OPEN') return false;
      const max = g.limits?.concurrency;
      if (max !== undefined && g.inFlight >= max) return false;
      const wait = bucketWait(g, now());
      if (wait > 0) wakeLater(g, wait, clock, d.wake);
      return wait === 0;
    },
    started(name) {
      const g = gates.get(name);
      if (!g) return;
      g.inFlight++;
      const rpm = g.limits?.requestsPerMinute;
      if (rpm !== undefined && g.requests) g.requests = take(g.requests, 1, rpm, now());
    },
    released(name) {
      const g = gates.get(name);
      if (!g) return;
      g.inFlight = Math.max(0, g.inFlight - 1);
      // A shared slot freed on one agent may admit a task queued on another of the provider's agents.
      if (g.limits?.concurrency !== undefined && g.agents.length > 1) queueMicrotask(() => d.wake(g.agents));
    },
    used(name, tokens) {
      const g = gates.get(name);
      const tpm = g?.limits?.tokensPerMinute;
      if (!g || tpm === undefined || !g.tokens || !(tokens > 0)) return;
      g.tokens = take(g.tokens, tokens, tpm, now());
    },
    failed(agent, error, at) {
      const after = error.retryAfterMs;
      if (error.kind !== 'rate_limit' || after === undefined || !(after > 0)) return;
      const until = at + Math.min(MAX_RETRY_AFTER_MS, Math.round(after));
      const g = gates.get(byAgent.get(agent) ?? agent);
      if (g?.limits?.closeOnRetryAfter === false) return;
      g?.ref.send({ type: 'CLOSE', at, until, agent, error });
    },
    open: (name, who) => openGate(name, mustGate(gates, name), who),
    views: () => [...gates].map(([name, g]) => view(name, g)),
    state(name) {
      const c = gates.get(name)?.ref.getSnapshot().context;
      return c ? stateOf(c) : undefined;
    },
  };
}

type Deps = Parameters<typeof createProviderGates>[0];

/** What building a gate needs: made once by createProviderGates. */
interface GateKit {
  d: Deps;
  machine: typeof providerMachine;
  byAgent: ReadonlyMap<string, string>;
  gates: ReadonlyMap<string, Gate>;
}

/** The gate of one provider, its actor not yet started (a restored one in its saved state). */
function newGate({ d, machine, byAgent, gates }: GateKit, name: string, saved: ProviderState | undefined, at: number): Gate {
  const limits = d.config.providers[name];
  const ctx: ProviderContext = { name, gate: 'OPEN', ...(saved ?? {}) };
  // A restored gate starts in its saved state: its context goes in through the snapshot.
  const value = saved?.gate === 'CLOSED' ? { CLOSED: 'waiting' } : 'OPEN';
  const snapshot = saved ? machine.resolveState({ value, context: ctx }) : undefined;
  const actor = createActor(machine, { input: { name }, snapshot, inspect: d.inspect, clock: d.clock });
  actor.on('transition', (e) => {
    d.publish(e.fact);
    if (e.fact.to === 'OPEN') queueMicrotask(() => d.wake(gates.get(name)?.agents ?? []));
  });
  const g: Gate = { ref: actor, agents: [...byAgent].filter(([, p]) => p === name).map(([a]) => a), limits, inFlight: 0 };
  if (limits?.requestsPerMinute !== undefined) g.requests = fullBucket(limits.requestsPerMinute, at);
  if (limits?.tokensPerMinute !== undefined) g.tokens = fullBucket(limits.tokensPerMinute, at);
  return g;
}

function mustGate(gates: ReadonlyMap<string, Gate>, name: string): Gate {
  const g = typeof name === 'string' ? gates.get(name) : undefined;
  if (!g) throw new WardenError('not_found', `no provider named ${String(name)}`, { provider: name });
  return g;
}

/** An operator opens a CLOSED gate; an OPEN one is an invalid transition. */
function openGate(name: string, g: Gate, who: Actor): ProviderView {
  const snap = g.ref.getSnapshot();
  if (!snap.can({ type: 'OPEN' })) {
    throw new WardenError('invalid_transition', `the gate of provider ${name} is already OPEN`, { provider: name, gate: snap.context.gate });
  }
  g.ref.send({ type: 'OPEN', ...who });
  return view(name, g);
}

/** Arms one wake for the provider's agents when its buckets admit again (one at a time per gate). */
function wakeLater(g: Gate, ms: number, clock: Clock, wake: (agents: readonly string[]) => void) {
  if (g.wake !== undefined) return;
  g.wake = unref(
    clock.setTimeout(() => {
      g.wake = undefined;
      wake(g.agents);
    }, Math.max(1, ms)),
  );
}

function view(name: string, g: Gate): ProviderView {
  const c = g.ref.getSnapshot().context;
  const v: ProviderView = { provider: name, gate: c.gate, agents: [...g.agents], inFlight: g.inFlight };
  if (c.gate === 'CLOSED' && c.closedUntil !== undefined) v.closedUntil = new Date(c.closedUntil).toISOString();
  if (g.limits) v.limits = { ...g.limits };
  return v;
}

/** How long until the buckets admit a call (0: now). A request needs a whole token; tokens are
 *  counted after the call, so any token credit admits one. */
function bucketWait(g: Gate, at: number): number {
  const rpm = g.limits?.requestsPerMinute;
  const tpm = g.limits?.tokensPerMinute;
  return Math.max(
    rpm !== undefined && g.requests ? msUntil(g.requests, 1, rpm, at) : 0,
    tpm !== undefined && g.tokens ? msUntil(g.tokens, Number.MIN_VALUE, tpm, at) : 0,
  );
}

/** What a gate journals and a restart brings back. */
function stateOf(c: ProviderContext): ProviderState {
  const s: ProviderState = { gate: c.gate };
  if (c.closedUntil !== undefined) s.closedUntil = c.closedUntil;
  if (c.closedAt !== undefined) s.closedAt = c.closedAt;
  if (c.closedBy !== undefined) s.closedBy = c.closedBy;
  if (c.error !== undefined) s.error = c.error;
  return s;
}
