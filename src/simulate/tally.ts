// Turns the TransitionRecords of a run into its report and its time series: what happened to each
// task, the calls each provider got (and how many of them fell in a fault window: the retry
// amplification), breaker openings, restarts, supervisor escalations.
import type { TaskStatus, TransitionRecord } from '../index.ts';
import type { Spent } from './fault-model.ts';

export interface ProviderTally {
  /** attempts started on the provider's agents (a run() begun, or a dispatch to an external executor) */
  calls: number;
  /** attempts that ended FAILED */
  failedCalls: number;
  /** present when a fault window hit the provider: the calls made while one was in force */
  duringFaults?: { calls: number; tasks: number; callsPerTask: number };
}

/** The report of one run; `warden simulate --json` prints it. */
export interface Report {
  scenario: string;
  /** the config file the run used, or `demo` */
  config: string;
  seed: number;
  /** simulated time covered */
  durationMs: number;
  tasks: {
    submitted: number;
    succeeded: number;
    escalated: number;
    cancelled: number;
    /** still under way when the run ended */
    unfinished: number;
    /** the escalated ones by the kind of error that escalated them (`budget` once budgets exist) */
    escalatedBy: Record<string, number>;
  };
  attemptsPerTask: number;
  timeToSuccessMs: { p50: number | null; p99: number | null };
  providers: Record<string, ProviderTally>;
  breakerOpenings: number;
  /** provider gates closed by a 429 (records of kind `provider`, where the runtime has gates) */
  gateClosings: number;
  /** agent restarts by their supervisors */
  restarts: number;
  supervisorEscalations: number;
  /** process restarts after a kill -9 */
  processRestarts: number;
  budgetSpent: { costUsd: number; tokens: number };
}

export const STATUS_GROUPS = ['waiting', 'running', 'SUCCEEDED', 'ESCALATED', 'CANCELLED'] as const;
export type StatusGroup = (typeof STATUS_GROUPS)[number];

/** What the charts draw. */
export interface Series {
  startAt: number;
  sampleMs: number;
  /** tasks in each group at the end of each sample period */
  byStatus: Array<Record<StatusGroup, number>>;
  /** calls started in each minute, per provider */
  callsPerMinute: Record<string, number[]>;
  /** the scenario's fault windows within the run, ms after its start */
  faults: Array<{ fromMs: number; toMs: number; label: string }>;
}

function groupOf(status: string): StatusGroup {
  if (status === 'IN_PROGRESS') return 'running';
  if (status === 'SUCCEEDED' || status === 'ESCALATED' || status === 'CANCELLED') return status;
  return 'waiting';
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));
const sortedKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

export interface Tally {
  onRecord(r: TransitionRecord): void;
  processRestarted(): void;
  finish(endAt: number, spent: Spent): { report: Report; series: Series };
}

export function createTally(opts: {
  scenario: string;
  config: string;
  seed: number;
  startAt: number;
  durationMs: number;
  /** agent → provider */
  providerOf: (agent: string) => string;
  /** whether a fault window of the scenario hits `agent` at `at` */
  inFault: (agent: string, at: number) => boolean;
  /** providers that some fault window hits */
  faulted: ReadonlySet<string>;
  /** every provider, listed in the report even when it got no call */
  providers: readonly string[];
  faults: Series['faults'];
}): Tally {
  const { startAt } = opts;
  const sampleMs = Math.max(1_000, Math.ceil(opts.durationMs / 120 / 1_000) * 1_000);
  const t = newTotals(opts.providers);

  /** Closes every sample period that ended before `at`. */
  function sampleUntil(at: number) {
    while (startAt + (t.byStatus.length + 1) * sampleMs <= at) t.byStatus.push({ ...t.counts });
  }

  return {
    onRecord(r) {
      sampleUntil(r.at);
      if (r.kind === 'task') onTask(t, opts, r);
      else if (r.kind === 'agent' && r.to === 'OPEN') t.breakerOpenings++;
      else if (r.kind === 'agent' && r.to === 'RESTARTING') t.restarts++;
      else if (r.kind === 'supervisor' && r.to === 'ESCALATED') t.supervisorEscalations++;
      // A kind the runtime has only once provider gates exist; read as a string so this compiles either way.
      else if ((r.kind as string) === 'provider' && r.to === 'CLOSED') t.gateClosings++;
    },

    processRestarted() {
      t.processRestarts++;
    },

    finish(endAt, spent) {
      sampleUntil(endAt);
      const report = reportOf(t, opts, endAt, spent);
      return { report, series: { startAt, sampleMs, byStatus: t.byStatus, callsPerMinute: t.callsPerMinute, faults: opts.faults } };
    },
  };
}

type TallyOptions = Parameters<typeof createTally>[0];

/** What the records of a run add up to so far: one plain record, owned by one createTally. */
interface Totals {
  tasks: Map<string, { createdAt: number; status: TaskStatus; errorKind?: string }>;
  counts: Record<StatusGroup, number>;
  byStatus: Series['byStatus'];
  callsPerMinute: Record<string, number[]>;
  providers: Record<string, ProviderTally>;
  /** per provider, the tasks that made a call while a fault window hit it */
  faultTasks: Map<string, Set<string>>;
  toSuccess: number[];
  attempts: number;
  breakerOpenings: number;
  gateClosings: number;
  restarts: number;
  supervisorEscalations: number;
  processRestarts: number;
}

function newTotals(providers: readonly string[]): Totals {
  const t: Totals = {
    tasks: new Map(),
    counts: { waiting: 0, running: 0, SUCCEEDED: 0, ESCALATED: 0, CANCELLED: 0 },
    byStatus: [],
    callsPerMinute: {},
    providers: {},
    faultTasks: new Map(),
    toSuccess: [],
    attempts: 0,
    breakerOpenings: 0,
    gateClosings: 0,
    restarts: 0,
    supervisorEscalations: 0,
    processRestarts: 0,
  };
  for (const p of providers) providerTally(t, p);
  return t;
}

function providerTally(t: Totals, p: string): ProviderTally {
  return (t.providers[p] ??= { calls: 0, failedCalls: 0 });
}

function onTask(t: Totals, opts: TallyOptions, r: TransitionRecord) {
  let task = t.tasks.get(r.id);
  if (!task) {
    task = { createdAt: r.at, status: r.to as TaskStatus };
    t.tasks.set(r.id, task);
  } else {
    t.counts[groupOf(task.status)]--;
    task.status = r.to as TaskStatus;
  }
  t.counts[groupOf(task.status)]++;
  if (r.to === 'ESCALATED') task.errorKind = r.error?.kind ?? 'unknown';
  if (r.to === 'IN_PROGRESS' && r.agent) onCall(t, opts, r, r.agent);
  if (r.to === 'FAILED' && r.from === 'IN_PROGRESS' && r.agent) providerTally(t, opts.providerOf(r.agent)).failedCalls++;
  if (r.to === 'SUCCEEDED') t.toSuccess.push(r.at - task.createdAt);
}

function onCall(t: Totals, opts: TallyOptions, r: TransitionRecord, agent: string) {
  t.attempts++;
  const provider = opts.providerOf(agent);
  providerTally(t, provider).calls++;
  const minute = Math.floor((r.at - opts.startAt) / 60_000);
  const perMinute = (t.callsPerMinute[provider] ??= []);
  while (perMinute.length <= minute) perMinute.push(0);
  perMinute[minute] = (perMinute[minute] ?? 0) + 1;
  if (opts.inFault(agent, r.at)) {
    const seen = t.faultTasks.get(provider) ?? new Set<string>();
    t.faultTasks.set(provider, seen);
    seen.add(r.id);
    const p = providerTally(t, provider);
    p.duringFaults = { calls: (p.duringFaults?.calls ?? 0) + 1, tasks: seen.size, callsPerTask: 0 };
  }
}

/** The report at `endAt`; it also settles callsPerTask on the providers' tallies. */
function reportOf(t: Totals, opts: TallyOptions, endAt: number, spent: Spent): Report {
  for (const p of opts.faulted) {
    const pt = providerTally(t, p);
    pt.duringFaults ??= { calls: 0, tasks: 0, callsPerTask: 0 };
    pt.duringFaults.callsPerTask = pt.duringFaults.tasks === 0 ? 0 : round(pt.duringFaults.calls / pt.duringFaults.tasks, 3);
  }
  const sorted = [...t.toSuccess].sort((a, b) => a - b);
  const escalatedBy: Record<string, number> = {};
  for (const task of t.tasks.values()) if (task.status === 'ESCALATED') escalatedBy[task.errorKind ?? 'unknown'] = (escalatedBy[task.errorKind ?? 'unknown'] ?? 0) + 1;
  const { counts } = t;
  const submitted = t.tasks.size;
  return {
    scenario: opts.scenario,
    config: opts.config,
    seed: opts.seed,
    durationMs: endAt - opts.startAt,
    tasks: { submitted, succeeded: counts.SUCCEEDED, escalated: counts.ESCALATED, cancelled: counts.CANCELLED, unfinished: counts.waiting + counts.running, escalatedBy: sortedKeys(escalatedBy) },
    attemptsPerTask: submitted === 0 ? 0 : round(t.attempts / submitted, 3),
    timeToSuccessMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
    providers: sortedKeys(t.providers),
    breakerOpenings: t.breakerOpenings,
    gateClosings: t.gateClosings,
    restarts: t.restarts,
    supervisorEscalations: t.supervisorEscalations,
    processRestarts: t.processRestarts,
    budgetSpent: { costUsd: round(spent.costUsd, 6), tokens: spent.tokens },
  };
}
