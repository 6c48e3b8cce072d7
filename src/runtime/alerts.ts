// Alerts: derived from transition records, kept newest-first in a bounded list, pushed to the notifier.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Alert, AlertLevel, TransitionRecord } from '../types.ts';

export interface AlertBook {
  raise(level: AlertLevel, component: string, message: string, details?: Record<string, unknown>, at?: number): Alert;
  /** newest first */
  list(limit?: number): Alert[];
  /** the alert a record calls for, if any: circuit opened, task escalated, supervisor gave up, a human acted */
  fromRecord(record: TransitionRecord): Alert | undefined;
  load(alerts: readonly Alert[]): void;
  onAlert(listener: (alert: Alert) => void): () => void;
}

export function createAlertBook(opts: {
  max: number;
  now: () => number;
  notify?: (alert: Alert) => unknown;
  logger: Logger;
}): AlertBook {
  let alerts: Alert[] = [];
  const listeners = new Set<(alert: Alert) => void>();

  function deliver(alert: Alert) {
    for (const l of listeners) {
      try {
        l(alert);
      } catch (err) {
        opts.logger.error({ errName: err instanceof Error ? err.name : typeof err }, 'alert listener threw');
      }
    }
    // The notifier is for what needs a human: escalations and other CRITICAL alerts.
    if (!opts.notify || alert.level !== 'CRITICAL') return;
    // A notifier is user code: neither its throw nor its rejection may reach the runtime.
    try {
      Promise.resolve(opts.notify(alert)).catch((err: unknown) => reportNotifyFailure(err, alert));
    } catch (err) {
      reportNotifyFailure(err, alert);
    }
  }

  function reportNotifyFailure(err: unknown, alert: Alert) {
    opts.logger.error({ alertId: alert.id, level: alert.level, errName: nameOf(err) }, 'notifier failed');
  }

  const book: AlertBook = {
    raise(level, component, message, details = {}, at = opts.now()) {
      const alert: Alert = { id: randomUUID(), at: new Date(at).toISOString(), level, component, message, details };
      alerts.push(alert);
      if (alerts.length > opts.max) alerts = newest(alerts, opts.max);
      opts.logger[level === 'CRITICAL' ? 'error' : 'warn']({ alert: { id: alert.id, level, component } }, message);
      deliver(alert);
      return alert;
    },
    list(limit = 100) {
      return newest(alerts, limit).reverse();
    },
    fromRecord(r) {
      const a = alertFor(r);
      if (!a) return undefined;
      // A human's action that led here says who and why, as its record does.
      if (r.by !== undefined) a.details.by = r.by;
      if (r.reason !== undefined) a.details.reason = r.reason;
      return book.raise(a.level, a.component, a.message, a.details, r.at);
    },
    load(saved) {
      alerts = newest(saved, opts.max);
    },
    onAlert(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return book;
}

/** The one alert rule (alertFor below): an opened circuit or an operator's action is a WARNING, any escalation CRITICAL. */
export function alertLevel(r: TransitionRecord): AlertLevel | undefined {
  return alertFor(r)?.level;
}

/** The last `n` items; `slice(-n)` would return them all for n = 0. */
function newest<T>(items: readonly T[], n: number): T[] {
  return n > 0 ? items.slice(-n) : [];
}

function nameOf(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

interface AlertSpec {
  level: AlertLevel;
  component: string;
  message: string;
  details: Record<string, unknown>;
}

/** The alert a record calls for, if any: circuit opened, task escalated, supervisor gave up. */
function alertFor(r: TransitionRecord): AlertSpec | undefined {
  if (r.kind === 'agent' && r.to === 'OPEN') {
    return { level: 'WARNING', component: `agent:${r.id}`, message: `circuit of agent ${r.id} opened`, details: { from: r.from, seq: r.seq } };
  }
  if (r.kind === 'task' && r.to === 'ESCALATED') {
    const details = { task: r.id, agent: r.agent, attempt: r.attempt, errorKind: r.error?.kind, status: r.error?.status };
    // A spent budget says what ran out: the error's message names the limit and how much was used.
    const why = r.error?.kind === 'budget' ? `: ${r.error.message}` : '';
    return { level: 'CRITICAL', component: `task:${r.id}`, message: `task ${r.id} escalated to a human${why}`, details };
  }
  if (r.kind === 'provider' && r.to === 'CLOSED') {
    const until = r.closedUntil === undefined ? '' : ` until ${new Date(r.closedUntil).toISOString()}`;
    const message = `gate of provider ${r.id} closed${until} after a 429 from agent ${r.agent ?? '?'}`;
    return { level: 'WARNING', component: `provider:${r.id}`, message, details: { agent: r.agent, closedUntil: r.closedUntil, seq: r.seq } };
  }
  if ((r.kind === 'supervisor' || r.kind === 'agent') && r.to === 'ESCALATED') {
    return { level: 'CRITICAL', component: `${r.kind}:${r.id}`, message: `${r.kind} ${r.id} exceeded its restart intensity`, details: { seq: r.seq } };
  }
  // An operator's action (over HTTP, by a token's name) is part of the trail operators watch: who did
  // what, and why. A call in code (`library`) is the embedder's own flow, and would flood the list.
  if (r.by !== undefined && r.by !== 'library') {
    const why = r.reason === undefined ? '' : `: ${r.reason}`;
    const message = `${r.by} sent ${r.event} to ${r.kind} ${r.id} (${r.from ?? '∅'} → ${r.to})${why}`;
    return { level: 'WARNING', component: `${r.kind}:${r.id}`, message, details: { event: r.event, from: r.from, to: r.to, seq: r.seq } };
  }
  return undefined;
}
