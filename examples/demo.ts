// What `npm start` runs when no --config is given: a small, lively system to watch in the dashboard.
//
//   root (rest_for_one)
//   ├── tools    a supervised child process (crashes every 20–60 s; everything after it restarts)
//   └── llm (one_for_one)
//       ├── planner   simulated LLM, role planner
//       ├── coder     simulated LLM, role coder
//       ├── reviewer  simulated LLM, role coder (takes coder's tasks when coder's circuit is open)
//       └── ci        external executor: an "orchestrator" in driveDemo() reports its results
//
// The simulated LLMs take 100 ms – 2 s, save checkpoints, report usage, and fail the way real APIs
// do: 429 with Retry-After, 503, hangs past their timeout, the odd 401, and short provider outages
// that open their circuit breakers. driveDemo() submits a steady trickle of tasks, plays the CI
// orchestrator, cancels a task now and then, and resolves escalated tasks like a human would.
//
// Budgets and gates: planner and coder call one provider ("openai"), reviewer another ("anthropic").
// A 429 with Retry-After from planner or coder closes the openai gate for both until then (watch the
// providers box and the attention list); `code` and `plan` tasks have budgets that a long task now and
// then runs out of: it escalates with kind `budget`, and the human on call grants more on retry.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RunContext, RunFn, TaskInfo, TaskStatus, TaskView, Warden, WardenConfig } from '../src/index.ts';

export interface DemoOptions {
  dataDir: string;
  logger: Logger;
  /** in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

const LLM_AGENTS = ['planner', 'coder', 'reviewer'] as const;
type LlmAgent = (typeof LLM_AGENTS)[number];

/** Seconds after start of each agent's first provider outage; later ones follow every 60–90 s. */
const FIRST_OUTAGE_S: Record<LlmAgent, number> = { planner: 8, coder: 25, reviewer: 45 };
const OUTAGE_MS = 6_000;
const TIMEOUT_MS = 2_500;

export function demoConfig(opts: DemoOptions): WardenConfig {
  const random = opts.random ?? Math.random;
  const log = opts.logger.child({ demo: true });
  const between = (min: number, max: number) => min + random() * (max - min);
  const started = Date.now();

  // A provider per agent: healthy, except for an outage of a few seconds now and then.
  const outages = new Map<LlmAgent, { from: number; until: number }>(
    LLM_AGENTS.map((a) => {
      const from = started + FIRST_OUTAGE_S[a] * 1000;
      return [a, { from, until: from + OUTAGE_MS }];
    }),
  );
  function inOutage(agent: LlmAgent): boolean {
    const o = outages.get(agent);
    if (!o) return false;
    const now = Date.now();
    if (now >= o.until) {
      const from = now + between(60_000, 90_000);
      outages.set(agent, { from, until: from + OUTAGE_MS });
      return false;
    }
    return now >= o.from;
  }

  const llm = (agent: LlmAgent): RunFn => (task, ctx) => simulateLlm(agent, task, ctx, { random, between, inOutage: () => inOutage(agent) });
  const breaker = { failureThreshold: 3, windowMs: 10_000, openMs: 5_000, halfOpenProbes: 1 };
  const llmAgent = (agent: LlmAgent, role: string, provider: string) => ({
    role,
    provider,
    run: llm(agent),
    concurrency: 3,
    timeoutMs: TIMEOUT_MS,
    maxTimeoutMs: 10_000,
    breaker,
  });
  const tools = createToolServer(log);
  const quickBackoff = { initialMs: 250, factor: 2, maxMs: 3_000, jitter: 'full' as const };

  return {
    dataDir: opts.dataDir,
    logger: opts.logger,
    // Finished demo tasks are dropped after 15 minutes so a long-running demo does not grow.
    retentionMs: 15 * 60_000,
    agents: {
      tools: {
        start: (signal) => tools.start(signal),
        stop: () => tools.stop(),
        restart: 'permanent',
        shutdownMs: 2_000,
      },
      planner: llmAgent('planner', 'planner', 'openai'),
      coder: llmAgent('coder', 'coder', 'openai'),
      reviewer: llmAgent('reviewer', 'coder', 'anthropic'),
      ci: { concurrency: 4, heartbeatTimeoutMs: 10_000, breaker: { failureThreshold: 4, windowMs: 20_000, openMs: 8_000 } },
    },
    supervisor: {
      strategy: 'rest_for_one',
      maxRestarts: 3,
      withinMs: 10_000,
      backoff: { initialMs: 500, factor: 2, maxMs: 5_000, jitter: 'full' },
      resetBackoffAfterMs: 30_000,
      children: ['tools', { name: 'llm', strategy: 'one_for_one', maxRestarts: 5, withinMs: 10_000, children: ['planner', 'coder', 'reviewer', 'ci'] }],
    },
    // Shared by the agents of each provider: attempts started a minute, tokens a minute, calls at once.
    providers: {
      openai: { requestsPerMinute: 300, concurrency: 5 },
      anthropic: { tokensPerMinute: 200_000 },
    },
    taskTypes: {
      default: { maxRetries: 2, backoff: quickBackoff, recovery: ['retry', 'reassign', 'escalate'] },
      // A call costs 200–1000 tokens at $3 a million; a task makes 3 of them, more when it retries.
      plan: { maxRetries: 3, backoff: quickBackoff, recovery: ['retry', 'escalate'], budget: { costUsd: 0.0075 } },
      code: { maxRetries: 2, backoff: quickBackoff, recovery: ['retry', 'reassign', 'escalate'], budget: { tokens: 2_400, wallMs: 20_000 } },
      review: { maxRetries: 2, backoff: quickBackoff, recovery: ['retry', 'reassign', 'escalate'] },
      ci: { maxRetries: 1, backoff: { initialMs: 500, factor: 2, maxMs: 2_000, jitter: 'full' }, recovery: ['retry', 'escalate'] },
    },
    notify: (alert) => log.info({ alertId: alert.id, component: alert.component }, `paging the on-call human (demo): ${alert.message}`),
  };
}

// ---------------------------------------------------------------------------------------------------
// tools: a real child process, started and restarted by the supervisor
// ---------------------------------------------------------------------------------------------------

// Stays alive, exits with code 1 at a random moment 20–60 s in, and exits 0 once its parent is gone.
const TOOL_SCRIPT = `
const parent = process.ppid;
setTimeout(() => process.exit(1), 20000 + Math.random() * 40000);
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000);
`;

/** The tools resource: one child process at a time, killed when its signal aborts or on stop(). */
function createToolServer(log: Logger) {
  let current: ChildProcess | undefined;
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

  return {
    start(signal: AbortSignal): { exited: Promise<number> } {
      const child = spawn(process.execPath, ['-e', TOOL_SCRIPT], { stdio: 'ignore' });
      current = child;
      const exited = new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, sig) => {
          if (current === child) current = undefined;
          if (code === 0) return resolve(0);
          const reason = sig ? `killed by ${sig}` : `exited with code ${String(code)}`;
          if (!signal.aborted) log.warn({ toolsPid: child.pid }, `tools process ${reason}`);
          reject(new Error(`tools process ${reason}`));
        });
      });
      // Once the supervisor has stopped the child nobody waits on `exited`: keep that rejection quiet.
      exited.catch(() => {});
      const kill = () => {
        if (alive(child)) child.kill('SIGTERM');
      };
      if (signal.aborted) kill();
      else signal.addEventListener('abort', kill, { once: true });
      log.info({ toolsPid: child.pid }, 'tools process started');
      return { exited };
    },

    async stop(): Promise<void> {
      const child = current;
      if (!child || !alive(child)) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The simulated LLM call
// ---------------------------------------------------------------------------------------------------

interface DemoCheckpoint {
  step: number;
  of: number;
  tokens: number;
}

type Fault = '401' | '429' | '503' | 'hang';

function httpError(message: string, status: number, headers?: Headers): Error {
  return Object.assign(new Error(message), headers ? { status, headers } : { status });
}

/** Waits `ms`, or rejects with the signal's reason when it is aborted first. The timer is unref'd. */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleepTimer(ms, undefined, { ref: false, signal });
}

async function simulateLlm(
  agent: LlmAgent,
  task: TaskInfo,
  ctx: RunContext,
  sim: { random: () => number; between: (min: number, max: number) => number; inOutage: () => boolean },
): Promise<unknown> {
  if (sim.inOutage()) {
    await sleep(sim.between(50, 250), ctx.signal);
    throw httpError(`${agent}: 503 Service Unavailable (provider outage)`, 503);
  }
  const roll = sim.random();
  const fault: Fault | undefined = roll < 0.03 ? '401' : roll < 0.11 ? '429' : roll < 0.18 ? '503' : roll < 0.22 ? 'hang' : undefined;
  if (fault === 'hang') {
    // A stuck call that ignores its abort signal: Warden times the attempt out and retries it with
    // a doubled time limit; the late answer is dropped.
    await sleep((ctx.timeoutMs ?? TIMEOUT_MS) + sim.between(500, 2_000));
    return { late: true };
  }

  const saved = ctx.checkpoint as DemoCheckpoint | undefined;
  const of = 3;
  let step = saved?.step ?? 0;
  let tokens = saved?.tokens ?? 0;
  const perStep = sim.between(100, 2_000) / of;
  const failAt = fault === undefined ? -1 : step + Math.floor(sim.random() * (of - step));
  if (saved) ctx.log.debug({ step }, 'resuming from checkpoint');

  for (; step < of; step++) {
    if (step === failAt) {
      await sleep(sim.between(30, 200), ctx.signal);
      if (fault === '401') throw httpError(`${agent}: 401 Unauthorized (API key revoked)`, 401);
      if (fault === '429') {
        const seconds = 1 + Math.floor(sim.random() * 3);
        throw httpError(`${agent}: 429 Too Many Requests`, 429, new Headers({ 'retry-after': String(seconds) }));
      }
      throw httpError(`${agent}: 503 Service Unavailable`, 503);
    }
    await sleep(perStep, ctx.signal);
    const used = 200 + Math.floor(sim.random() * 800);
    tokens += used;
    ctx.reportUsage({ turns: 1, tokens: used, costUsd: Number((used * 0.000_003).toFixed(6)) });
    ctx.saveCheckpoint({ step: step + 1, of, tokens } satisfies DemoCheckpoint);
  }
  return { agent, type: task.type, summary: `${task.type} done in ${of} steps`, tokens, attempt: ctx.attempt };
}

// ---------------------------------------------------------------------------------------------------
// The driver: the traffic, the CI orchestrator, the operator and the human on call
// ---------------------------------------------------------------------------------------------------

const WORK: ReadonlyArray<{ agent: string; type: string; weight: number; prompts: readonly string[] }> = [
  { agent: 'planner', type: 'plan', weight: 3, prompts: ['Plan the login rate limiter', 'Split the billing epic', 'Plan the DB migration'] },
  { agent: 'coder', type: 'code', weight: 3, prompts: ['Fix the flaky date test', 'Add pagination to /users', 'Refactor the cache layer'] },
  { agent: 'reviewer', type: 'review', weight: 2, prompts: ['Review PR #142', 'Review PR #157', 'Check the changelog'] },
  { agent: 'ci', type: 'ci', weight: 2, prompts: ['Run the unit tests', 'Build the docker image', 'Run the e2e suite'] },
];
const ACTIVE: readonly TaskStatus[] = ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'RETRY_WAIT'];

export interface DriveOptions {
  logger?: Logger;
  /** in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** ms between submitted tasks. @defaultValue [300, 1200] */
  submitEveryMs?: readonly [number, number];
}

/** Starts the demo traffic; returns a function that stops it (and clears every timer). */
export function driveDemo(warden: Warden, opts: DriveOptions = {}): () => void {
  const random = opts.random ?? Math.random;
  const log = opts.logger?.child({ demo: 'driver' });
  const between = (min: number, max: number) => min + random() * (max - min);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let submitted = 0;

  const live = () => !stopped && warden.state === 'running';
  /** Calls the warden, ignoring a refusal: the task may have moved on meanwhile. */
  const attempt = (what: string, call: () => Promise<unknown>) => {
    call().catch((err: unknown) => log?.debug({ errName: err instanceof Error ? err.name : typeof err }, `demo: ${what} refused`));
  };
  const listOf = (status: TaskStatus, agent?: string): TaskView[] => warden.list({ status, agent, limit: 1000 }).items;

  /** Runs `fn` again and again, `min`–`max` ms apart, until stopped. */
  function every(min: number, max: number, fn: () => void, first = between(min, max)) {
    const tick = () => {
      timers.delete(timer);
      if (stopped) return;
      try {
        if (live()) fn();
      } catch (err) {
        log?.warn({ errName: err instanceof Error ? err.name : typeof err }, 'demo step failed');
      }
      every(min, max, fn);
    };
    const timer = setTimeout(tick, first).unref();
    timers.add(timer);
  }

  // The traffic.
  const totalWeight = WORK.reduce((s, w) => s + w.weight, 0);
  const [submitMin, submitMax] = opts.submitEveryMs ?? [300, 1_200];
  every(submitMin, submitMax, () => {
    let r = random() * totalWeight;
    const work = WORK.find((w) => (r -= w.weight) < 0) ?? WORK[0];
    if (!work) return;
    submitted++;
    attempt('submit', () => warden.submit({ agent: work.agent, type: work.type, input: { prompt: pick(work.prompts), n: submitted } }));
  }, 200);

  // The CI orchestrator: takes each IN_PROGRESS attempt of `ci`, heartbeats, then reports a result.
  // Now and then it loses one silently, which the heartbeat timeout turns into a `timeout` failure.
  const plans = new Map<string, { attempt: number; heartbeatAt: number; doneAt: number; outcome: 'success' | '503' | '429' | 'lost' }>();
  every(250, 250, () => {
    const now = Date.now();
    const running = new Map(listOf('IN_PROGRESS', 'ci').map((t) => [t.id, t]));
    for (const id of plans.keys()) if (!running.has(id)) plans.delete(id);
    for (const task of running.values()) {
      let plan = plans.get(task.id);
      if (!plan || plan.attempt !== task.attempts) {
        const roll = random();
        const outcome = roll < 0.65 ? 'success' : roll < 0.8 ? '503' : roll < 0.9 ? '429' : 'lost';
        plan = { attempt: task.attempts, heartbeatAt: now + between(500, 1_500), doneAt: now + between(1_500, 5_000), outcome };
        plans.set(task.id, plan);
      }
      if (plan.outcome === 'lost') continue;
      if (plan.heartbeatAt <= now) {
        plan.heartbeatAt = now + 3_000;
        attempt('heartbeat', () => warden.heartbeat(task.id));
      }
      if (plan.doneAt > now) continue;
      const { id } = task;
      plan.outcome = 'lost'; // reported once
      const roll = random();
      if (roll < 0.65) attempt('success', () => warden.reportSuccess(id, { passed: 120 + Math.floor(random() * 80), failed: 0 }));
      else if (roll < 0.85) attempt('failure', () => warden.reportFailure(id, { message: 'runner pool unavailable', status: 503 }));
      else attempt('failure', () => warden.reportFailure(id, { message: 'CI API rate limited', status: 429, retryAfter: 2 }));
    }
  });

  // The human on call: looks at each escalation after a few seconds and resolves, retries or cancels it.
  const seen = new Map<string, number>();
  every(1_000, 1_000, () => {
    const now = Date.now();
    const escalated = listOf('ESCALATED');
    const keys = new Set(escalated.map((t) => `${t.id}@${t.updatedAt}`));
    for (const key of seen.keys()) if (!keys.has(key)) seen.delete(key);
    for (const task of escalated) {
      const key = `${task.id}@${task.updatedAt}`;
      const at = seen.get(key) ?? now + between(3_000, 8_000);
      seen.set(key, at);
      if (at > now) continue;
      seen.set(key, Infinity);
      const roll = random();
      if (roll < 0.6) {
        log?.info({ task: task.id }, 'demo: a human resolved an escalated task');
        attempt('resolve', () => warden.resolve(task.id, { answer: 'done by hand', by: 'on-call human' }));
      } else if (roll < 0.8 || task.error?.kind === 'budget') {
        // A task out of budget can only be retried with more: the human grants it.
        const grant = task.error?.kind === 'budget' ? { budget: { tokens: 2_000, costUsd: 0.006, wallMs: 20_000 } } : undefined;
        log?.info({ task: task.id, granted: grant !== undefined }, 'demo: a human retried an escalated task');
        attempt('retry', () => warden.retry(task.id, grant));
      } else {
        log?.info({ task: task.id }, 'demo: a human cancelled an escalated task');
        attempt('cancel', () => warden.cancel(task.id));
      }
    }
  });

  // The operator who changes their mind: cancels a waiting or running task now and then.
  every(4_000, 9_000, () => {
    if (random() < 0.3) return;
    const candidates = ACTIVE.flatMap((s) => listOf(s));
    const victim = pick(candidates);
    if (!victim) return;
    log?.info({ task: victim.id, status: victim.status }, 'demo: an operator cancelled a task');
    attempt('cancel', () => warden.cancel(victim.id));
  }, 5_000);

  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    plans.clear();
    seen.clear();
  };
}
