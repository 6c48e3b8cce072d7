// The scenario file format: JSON, validated with zod, every wrong field named by its path. A scenario
// says how tasks arrive and how each agent's calls behave over time (latency, error mix, usage), which
// resources keep dying, and when the process is killed.
import { z } from 'zod';
import { inputMessage } from '../config/messages.ts';
import { parseDuration } from './duration.ts';

/** What a scripted call can do besides succeed. `hang` never answers: the attempt's timeout ends it. */
export const FAULT_KINDS = ['rate_limit', 'server', 'auth', 'not_found', 'validation', 'connection', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Range = readonly [number, number];
export type ErrorMix = Partial<Record<FaultKind, number>>;

/** How one agent's calls behave: every field filled in. */
export interface CallBehaviour {
  /** how long a successful call takes */
  latencyMs: Range;
  /** how long a failing call takes to fail */
  errorLatencyMs: Range;
  /** the probability of each fault per call; what is left over succeeds */
  errors: ErrorMix;
  /** the Retry-After a 429 carries (sent in whole seconds) */
  retryAfterMs: Range;
  /** what a successful call reports through ctx.reportUsage */
  usage: { turns: number; tokens: Range; costUsdPerToken: number };
}

/** A stretch of time in which a target's calls behave differently; what it names replaces the base. */
export interface FaultWindow {
  /** an agent name, a provider name, or `*` for every agent */
  target: string;
  fromMs: number;
  toMs: number;
  /** the window comes back this often (from fromMs on) */
  repeatEveryMs?: number;
  label?: string;
  latencyMs?: Range;
  errorLatencyMs?: Range;
  errors?: ErrorMix;
  retryAfterMs?: Range;
}

export interface Scenario {
  name: string;
  description: string;
  /** the simulated time a run covers unless --duration says otherwise */
  durationMs: number;
  arrivals: {
    perMinute: number;
    /** which agent (and task type) each arriving task goes to; default: every task-taking agent alike, type `default` */
    mix?: Array<{ agent: string; type?: string; weight: number }>;
  };
  calls: CallBehaviour;
  /** per agent or provider: replaces parts of `calls` for the whole run */
  agents: Record<string, Partial<CallBehaviour>>;
  windows: FaultWindow[];
  /** resource agents (those with start()) that die after an uptime drawn from this range: agent name or `*` */
  resources: Record<string, { uptimeMs: Range }>;
  /** when the process is killed (kill -9) and restarted from its data directory, in ms after the start */
  killAtMs: number[];
  /** an operator who cancels a fraction of the tasks a while after they arrive */
  operator: { cancelFraction: number; cancelAfterMs: Range };
}

export const DEFAULT_CALLS: CallBehaviour = {
  latencyMs: [300, 2_500],
  errorLatencyMs: [20, 200],
  errors: { rate_limit: 0.02, server: 0.01 },
  retryAfterMs: [1_000, 5_000],
  usage: { turns: 1, tokens: [300, 1_500], costUsdPerToken: 0.000_003 },
};
export const DEFAULT_DURATION_MS = 3_600_000;
const DEFAULT_OPERATOR = { cancelFraction: 0, cancelAfterMs: [1_000, 60_000] as Range };

// ---------------------------------------------------------------------------------------------------
// The schema
// ---------------------------------------------------------------------------------------------------

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration: milliseconds (a number >= 0) or a string such as "500ms", "90s", "10m", "1h"' });
    return z.NEVER;
  }
  return ms;
});

const range = z.union([duration, z.tuple([duration, duration])]).transform((v, ctx): Range => {
  const [min, max] = typeof v === 'number' ? [v, v] : v;
  if (max < min) ctx.addIssue({ code: 'custom', message: `must be [min, max] with min <= max, got [${min}, ${max}]` });
  return [min, max];
});

const tokens = z.union([z.number().int().nonnegative(), z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])]).transform((v, ctx): Range => {
  const [min, max] = typeof v === 'number' ? [v, v] : v;
  if (max < min) ctx.addIssue({ code: 'custom', message: `must be [min, max] with min <= max, got [${min}, ${max}]` });
  return [min, max];
});

const errorMix = z
  .strictObject(Object.fromEntries(FAULT_KINDS.map((k) => [k, z.number().min(0).max(1).optional()])) as Record<FaultKind, z.ZodOptional<z.ZodNumber>>)
  .superRefine((mix, ctx) => {
    const total = Object.values(mix).reduce<number>((s, p) => s + (p ?? 0), 0);
    if (total > 1 + 1e-9) ctx.addIssue({ code: 'custom', message: `probabilities must add up to at most 1, got ${Number(total.toFixed(6))}` });
  });

const usage = z.strictObject({
  turns: z.number().int().nonnegative().optional(),
  tokens: tokens.optional(),
  costUsdPerToken: z.number().nonnegative().optional(),
});

const behaviour = z.strictObject({
  latencyMs: range.optional(),
  errorLatencyMs: range.optional(),
  errors: errorMix.optional(),
  retryAfterMs: range.optional(),
  usage: usage.optional(),
});

const windowSchema = z
  .strictObject({
    target: z.string().min(1),
    fromMs: duration,
    toMs: duration,
    repeatEveryMs: duration.optional(),
    label: z.string().max(200).optional(),
    latencyMs: range.optional(),
    errorLatencyMs: range.optional(),
    errors: errorMix.optional(),
    retryAfterMs: range.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.toMs <= w.fromMs) ctx.addIssue({ code: 'custom', path: ['toMs'], message: `must be after fromMs (${w.fromMs})` });
    if (w.repeatEveryMs !== undefined && w.repeatEveryMs < w.toMs - w.fromMs) {
      ctx.addIssue({ code: 'custom', path: ['repeatEveryMs'], message: `must be at least the window's length (${w.toMs - w.fromMs} ms)` });
    }
  });

const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  description: z.string().max(2_000).optional(),
  durationMs: duration.optional(),
  arrivals: z.strictObject({
    perMinute: z.number().positive().max(100_000),
    mix: z
      .array(z.strictObject({ agent: z.string().min(1), type: z.string().min(1).optional(), weight: z.number().positive().optional() }))
      .min(1)
      .optional(),
  }),
  calls: behaviour.optional(),
  agents: z.record(z.string().min(1), behaviour).optional(),
  windows: z.array(windowSchema).optional(),
  resources: z.record(z.string().min(1), z.strictObject({ uptimeMs: range })).optional(),
  killAtMs: z.array(duration).optional(),
  operator: z.strictObject({ cancelFraction: z.number().min(0).max(1), cancelAfterMs: range.optional() }).optional(),
});

type Parsed = z.output<typeof scenarioSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** A scenario from parsed JSON; throws a ScenarioError naming the first wrong field. */
export function parseScenario(input: unknown, fallbackName = 'custom'): Scenario {
  const r = scenarioSchema.safeParse(input, { error: inputMessage });
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? pathOf(issue.path) : '';
    throw new ScenarioError(`scenario${where ? ` ${where}` : ''}: ${issue?.message ?? 'is not valid'}`);
  }
  return complete(r.data, fallbackName);
}

function complete(p: Parsed, fallbackName: string): Scenario {
  const calls = mergeBehaviour(DEFAULT_CALLS, p.calls ?? {});
  for (const [i, ms] of (p.killAtMs ?? []).entries()) if (ms <= 0) throw new ScenarioError(`scenario killAtMs[${i}]: must be more than 0`);
  return {
    name: p.name ?? fallbackName,
    description: p.description ?? '',
    durationMs: p.durationMs ?? DEFAULT_DURATION_MS,
    arrivals: { perMinute: p.arrivals.perMinute, mix: p.arrivals.mix?.map((m) => ({ agent: m.agent, type: m.type, weight: m.weight ?? 1 })) },
    calls,
    agents: Object.fromEntries(Object.entries(p.agents ?? {}).map(([k, b]) => [k, partialBehaviour(b)])),
    windows: p.windows ?? [],
    resources: p.resources ?? {},
    killAtMs: [...(p.killAtMs ?? [])].sort((a, b) => a - b),
    operator: { cancelFraction: p.operator?.cancelFraction ?? DEFAULT_OPERATOR.cancelFraction, cancelAfterMs: p.operator?.cancelAfterMs ?? DEFAULT_OPERATOR.cancelAfterMs },
  };
}

type ParsedBehaviour = z.output<typeof behaviour>;

function partialBehaviour(b: ParsedBehaviour): Partial<CallBehaviour> {
  const { usage, ...rest } = b;
  return usage ? { ...rest, usage: { ...DEFAULT_CALLS.usage, ...usage } } : rest;
}

/** `base` with what `over` names replacing it (an error mix is replaced whole, not merged). */
export function mergeBehaviour(base: CallBehaviour, over: Partial<CallBehaviour> | ParsedBehaviour): CallBehaviour {
  return {
    latencyMs: over.latencyMs ?? base.latencyMs,
    errorLatencyMs: over.errorLatencyMs ?? base.errorLatencyMs,
    errors: over.errors ?? base.errors,
    retryAfterMs: over.retryAfterMs ?? base.retryAfterMs,
    usage: { ...base.usage, ...(over.usage ?? {}) },
  };
}

/** Whether `w` is in force `atMs` after the start. */
export function windowActive(w: FaultWindow, atMs: number): boolean {
  if (atMs < w.fromMs) return false;
  if (w.repeatEveryMs === undefined) return atMs < w.toMs;
  return (atMs - w.fromMs) % w.repeatEveryMs < w.toMs - w.fromMs;
}
