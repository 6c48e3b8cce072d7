// Alerts: derived from transition records, kept newest-first in a bounded list, pushed to the notifier.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Alert, AlertLevel, TransitionRecord } from '../types.ts';

export interface AlertBook {
  raise(level: AlertLevel, component: string, message: string, details?: Record<string, unknown>, at?: number): Alert;
  /** newest first */
  list(limit?: number): Alert[];
  /** the alert a record calls for, if any: circuit opened, task escalated, supervisor gave up */
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
      if (alertLevel(r) === undefined) return undefined;
      if (r.kind === 'agent' && r.to === 'OPEN') {
        return book.raise('WARNING', `agent:${r.id}`, `circuit of agent ${r.id} opened`, { from: r.from, seq: r.seq }, r.at);
      }
      if (r.kind === 'task' && r.to === 'ESCALATED') {
        const details = { task: r.id, agent: r.agent, attempt: r.attempt, errorKind: r.error?.kind, status: r.error?.status };
        return book.raise('CRITICAL', `task:${r.id}`, `task ${r.id} escalated to a human`, details, r.at);
      }
      if ((r.kind === 'supervisor' || r.kind === 'agent') && r.to === 'ESCALATED') {
        return book.raise('CRITICAL', `${r.kind}:${r.id}`, `${r.kind} ${r.id} exceeded its restart intensity`, { seq: r.seq }, r.at);
      }
      return undefined;
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

/** The one alert rule: an opened circuit is a WARNING, any escalation (task, agent, supervisor) CRITICAL. */
export function alertLevel(r: TransitionRecord): AlertLevel | undefined {
  if (r.kind === 'agent' && r.to === 'OPEN') return 'WARNING';
  if (r.to === 'ESCALATED') return 'CRITICAL';
  return undefined;
}

/** The last `n` items; `slice(-n)` would return them all for n = 0. */
function newest<T>(items: readonly T[], n: number): T[] {
  return n > 0 ? items.slice(-n) : [];
}

function nameOf(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
