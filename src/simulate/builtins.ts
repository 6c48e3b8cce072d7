// The built-in storms, each made for the config it is run against (which provider goes down, which
// resource keeps dying, how slow is past the timeout): 429-storm, provider-outage, slow-provider,
// crash-loop, kill-9.
import { DEFAULT_CALLS, DEFAULT_DURATION_MS, ScenarioError, type Scenario } from './scenario.ts';
import type { Topology } from './topology.ts';

const MINUTE = 60_000;

/** The parts every built-in shares: 30 tasks a minute, mostly healthy calls, an hour. */
function base(name: string, description: string): Scenario {
  return {
    name,
    description,
    durationMs: DEFAULT_DURATION_MS,
    arrivals: { perMinute: 30 },
    calls: DEFAULT_CALLS,
    agents: {},
    windows: [],
    resources: {},
    killAtMs: [],
    operator: { cancelFraction: 0, cancelAfterMs: [1_000, 60_000] },
  };
}

/** The provider a single-provider storm hits: the first task-taking agent's. */
function mainProvider(t: Topology): string {
  const first = t.agents.find((a) => a.kind !== 'resource');
  if (!first) throw new ScenarioError('the config has no agent that takes tasks (every agent only has start()): nothing to simulate');
  return first.provider;
}

const BUILDERS: Readonly<Record<string, (t: Topology, durationMs: number) => Scenario>> = {
  '429-storm': () => ({
    ...base('429-storm', 'every 10 minutes, a 2-minute burst in which 70 % of calls to every provider get 429 with a Retry-After of 5–30 s'),
    windows: [{ target: '*', fromMs: 5 * MINUTE, toMs: 7 * MINUTE, repeatEveryMs: 10 * MINUTE, label: '429 burst', errors: { rate_limit: 0.7 }, retryAfterMs: [5_000, 30_000] }],
  }),

  'provider-outage': (t) => {
    const provider = mainProvider(t);
    return {
      ...base('provider-outage', `provider ${provider} answers every call with 503 for 10 minutes, from minute 10 to minute 20`),
      windows: [{ target: provider, fromMs: 10 * MINUTE, toMs: 20 * MINUTE, label: `${provider} outage`, errors: { server: 1 }, errorLatencyMs: [20, 100] }],
    };
  },

  'slow-provider': (t) => {
    const provider = mainProvider(t);
    const limit = Math.max(...t.agents.filter((a) => a.provider === provider).map((a) => a.timeoutMs));
    return {
      ...base('slow-provider', `every 15 minutes, 5 minutes in which provider ${provider} takes 0.5–4× its ${limit} ms time limit to answer`),
      windows: [{ target: provider, fromMs: 5 * MINUTE, toMs: 10 * MINUTE, repeatEveryMs: 15 * MINUTE, label: `${provider} slow`, latencyMs: [limit / 2, limit * 4] }],
    };
  },

  'crash-loop': (t) => {
    const resource = t.agents.find((a) => a.resource);
    if (!resource) throw new ScenarioError('scenario crash-loop needs a resource agent (one with start()); the config has none');
    return {
      ...base('crash-loop', `resource agent ${resource.name} dies 0.2–3 s after every start`),
      resources: { [resource.name]: { uptimeMs: [200, 3_000] } },
    };
  },

  'kill-9': (_t, durationMs) => ({
    ...base('kill-9', 'the process is killed (kill -9) a third and two thirds into the run and restarts each time from its data directory'),
    killAtMs: [Math.round(durationMs / 3), Math.round((2 * durationMs) / 3)],
  }),
};

export const BUILTIN_SCENARIOS: readonly string[] = Object.keys(BUILDERS);

/** The built-in scenario `name` for this config and run length, or undefined when there is none by that name. */
export function builtinScenario(name: string, topology: Topology, durationMs = DEFAULT_DURATION_MS): Scenario | undefined {
  return Object.hasOwn(BUILDERS, name) ? BUILDERS[name]?.(topology, durationMs) : undefined;
}
