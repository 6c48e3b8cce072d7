// GET /metrics: a prom-client registry of its own, fed by the one source, the TransitionRecords.
// Gauges of current state (tasks by status, breaker state) are read from the warden at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { alertLevel, type Warden } from '../api.ts';
import { TASK_STATUSES, type CircuitState, type TransitionRecord } from '../types.ts';
import type { LoopLag } from './loop-lag.ts';

export interface Metrics {
  registry: Registry;
  /** stops reading records */
  close(): void;
}

const BREAKER_VALUE: Record<CircuitState, number> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };
const OUTCOME: Partial<Record<string, string>> = { SUCCEEDED: 'succeeded', FAILED: 'failed', CANCELLED: 'cancelled' };

export function createMetrics(warden: Warden, lag: LoopLag): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = instruments(warden, lag, [registry]);

  // The only per-task state: attempts in flight, dropped at the task's next record.
  const started = new Map<string, { at: number; agent: string }>();

  function observe(r: TransitionRecord) {
    m.transitions.inc({ kind: r.kind, from: r.from ?? 'none', to: r.to });
    const level = alertLevel(r);
    if (level) m.alerts.inc({ level });
    if (r.kind === 'agent' && r.from === 'RESTARTING' && r.to === 'STARTING') m.restarts.inc({ agent: r.id });
    if (r.kind === 'provider' && r.to === 'CLOSED') m.gateClosures.inc({ provider: r.id });
    if (r.kind !== 'task') return;
    observeUsage(warden, m, r);
    const attempt = started.get(r.id);
    if (attempt) {
      started.delete(r.id);
      m.duration.observe({ agent: attempt.agent }, Math.max(0, r.at - attempt.at) / 1000);
    }
    const outcome = r.from === 'IN_PROGRESS' ? OUTCOME[r.to] : undefined;
    if (outcome) m.attempts.inc({ agent: r.agent ?? 'unknown', outcome });
    if (r.to === 'IN_PROGRESS') started.set(r.id, { at: r.at, agent: r.agent ?? 'unknown' });
  }

  const unsubscribe = warden.on('transition', observe);
  return {
    registry,
    close() {
      unsubscribe();
      started.clear();
    },
  };
}

type Instruments = ReturnType<typeof instruments>;

/**
 * Every metric but the defaults. The scrape-time gauges are registered in between the record-fed
 * instruments because registration order is the order /metrics lists them.
 */
function instruments(warden: Warden, lag: LoopLag, registers: Registry[]) {
  const transitions = new Counter({
    name: 'warden_transitions_total',
    help: 'State changes of tasks, agents and supervisors',
    labelNames: ['kind', 'from', 'to'] as const,
    registers,
  });
  tasksGauge(warden, registers);
  dataDirGauge(warden, registers);
  const attempts = new Counter({
    name: 'warden_attempts_total',
    help: 'Finished attempts by agent and outcome (succeeded, failed, cancelled)',
    labelNames: ['agent', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'warden_attempt_duration_seconds',
    help: 'Time from IN_PROGRESS to the next state of the task',
    labelNames: ['agent'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  breakerGauge(warden, registers);
  const restarts = new Counter({
    name: 'warden_agent_restarts_total',
    help: 'Agent restarts (RESTARTING → STARTING)',
    labelNames: ['agent'] as const,
    registers,
  });
  const alerts = new Counter({
    name: 'warden_alerts_total',
    help: 'Alerts raised, by level',
    labelNames: ['level'] as const,
    registers,
  });
  loopLagGauge(lag, registers);

  const costUsd = new Counter({
    name: 'warden_usage_cost_usd_total',
    help: 'Cost reported by attempts (ctx.reportUsage), by agent and task type',
    labelNames: ['agent', 'type'] as const,
    registers,
  });
  const tokens = new Counter({
    name: 'warden_usage_tokens_total',
    help: 'Tokens reported by attempts (ctx.reportUsage), by agent and task type',
    labelNames: ['agent', 'type'] as const,
    registers,
  });
  providerGateGauge(warden, registers);
  const gateClosures = new Counter({
    name: 'warden_provider_gate_closures_total',
    help: "Times a provider's gate closed (a 429 with Retry-After)",
    labelNames: ['provider'] as const,
    registers,
  });
  return { transitions, attempts, duration, restarts, alerts, costUsd, tokens, gateClosures };
}

/** An ended attempt's usage, from its record; the task's type is read once, while the task is in memory. */
function observeUsage(warden: Warden, m: Instruments, r: TransitionRecord) {
  if (!r.usage || (r.usage.costUsd <= 0 && r.usage.tokens <= 0)) return;
  const labels = { agent: r.agent ?? 'unknown', type: warden.get(r.id)?.type ?? 'unknown' };
  if (r.usage.costUsd > 0) m.costUsd.inc(labels, r.usage.costUsd);
  if (r.usage.tokens > 0) m.tokens.inc(labels, r.usage.tokens);
}

function tasksGauge(warden: Warden, registers: Registry[]) {
  new Gauge({
    name: 'warden_tasks',
    help: 'Tasks by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      const byStatus = warden.health().tasks.byStatus;
      for (const status of TASK_STATUSES) this.set({ status }, byStatus[status]);
    },
  });
}

function dataDirGauge(warden: Warden, registers: Registry[]) {
  new Gauge({
    name: 'warden_data_dir_bytes',
    help: 'Bytes of the files in the data directory (snapshot, journal segments); 0 without one',
    registers,
    collect() {
      this.set(warden.health().storage?.usedBytes ?? 0);
    },
  });
}

function breakerGauge(warden: Warden, registers: Registry[]) {
  new Gauge({
    name: 'warden_breaker_state',
    help: 'Circuit breaker state by agent: 0 closed, 1 half-open, 2 open',
    labelNames: ['agent'] as const,
    registers,
    collect() {
      this.reset();
      for (const b of warden.breakers()) this.set({ agent: b.agent }, BREAKER_VALUE[b.state]);
    },
  });
}

function loopLagGauge(lag: LoopLag, registers: Registry[]) {
  new Gauge({
    name: 'warden_event_loop_lag_seconds',
    help: 'Event-loop delay since start (perf_hooks monitorEventLoopDelay)',
    labelNames: ['stat'] as const,
    registers,
    collect() {
      const l = lag.read();
      this.set({ stat: 'mean' }, l.meanMs / 1000);
      this.set({ stat: 'p99' }, l.p99Ms / 1000);
      this.set({ stat: 'max' }, l.maxMs / 1000);
    },
  });
}

function providerGateGauge(warden: Warden, registers: Registry[]) {
  new Gauge({
    name: 'warden_provider_gate',
    help: "A provider's rate-limit gate: 0 open, 1 closed",
    labelNames: ['provider'] as const,
    registers,
    collect() {
      this.reset();
      for (const p of warden.providers()) this.set({ provider: p.provider }, p.gate === 'CLOSED' ? 1 : 0);
    },
  });
}
