// OpenTelemetry through @opentelemetry/api only: a no-op unless the application registers an SDK.
// One span per attempt (messaging "process" semantics), fed from the TransitionRecords alone: it opens
// on the record that enters IN_PROGRESS and ends once the task has left it and its failure (if any) was
// decided (FAILED → RETRY_WAIT / ESCALATED / …), with every state change in between as a span event.
// The W3C trace context active at submit is kept with the task (its `traceparent`, journaled with the
// rest of its context), so the attempts after a restart join the same trace.
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { TransitionRecord } from '../types.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TracedTask {
  type: string;
  agent: string;
  traceparent?: string;
}

export interface Tracing {
  /** every TransitionRecord, in order */
  onRecord(record: TransitionRecord): void;
  /** ends the spans still open (at stop): an attempt cut short by a stop is not left dangling */
  close(): void;
}

/** The W3C traceparent of the span active now, if there is a valid one. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The context a traceparent names, as a remote parent; ROOT_CONTEXT for none or a malformed one. */
export function contextOf(traceparent: string | undefined): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m?.[1] || !m[2] || !m[3]) return ROOT_CONTEXT;
  const sc = { traceId: m[1], spanId: m[2], traceFlags: Number.parseInt(m[3], 16), isRemote: true };
  return trace.isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

interface Open {
  span: Span;
  /** the attempt left IN_PROGRESS; the span ends at the next record that is not FAILED */
  left: boolean;
  /** the failure of this attempt, kept for the span's status when it ends on the record after FAILED */
  error?: TransitionRecord['error'];
}

export function createTracing(taskOf: (id: string) => TracedTask | undefined, tracer: Tracer = trace.getTracer('warden')): Tracing {
  const open = new Map<string, Open>();

  function start(r: TransitionRecord): void {
    const t = taskOf(r.id);
    if (!t) return;
    const agent = r.agent ?? t.agent;
    const span = tracer.startSpan(
      `process ${t.type}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: r.at,
        attributes: {
          'messaging.system': 'warden',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': agent,
          'messaging.message.id': r.id,
          'warden.task.id': r.id,
          'warden.task.type': t.type,
          'warden.agent': agent,
          'warden.attempt': r.attempt ?? 0,
        },
      },
      contextOf(t.traceparent),
    );
    open.set(r.id, { span, left: false });
  }

  function event(span: Span, r: TransitionRecord): void {
    const attrs: Record<string, string | number> = { 'warden.event': r.event, 'warden.from': r.from ?? '', 'warden.to': r.to };
    if (r.error) attrs['error.type'] = r.error.kind;
    if (r.error?.retryAfterMs !== undefined) attrs['warden.retry_after_ms'] = r.error.retryAfterMs;
    span.addEvent(r.to, attrs, r.at);
  }

  function end(o: Open, r: TransitionRecord, id: string): void {
    const error = o.error ?? r.error;
    if (error) {
      o.span.setAttribute('error.type', error.kind);
      o.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else if (r.to === 'SUCCEEDED') o.span.setStatus({ code: SpanStatusCode.OK });
    o.span.setAttribute('warden.outcome', r.to);
    o.span.end(r.at);
    open.delete(id);
  }

  return {
    onRecord(r) {
      if (r.kind !== 'task') return;
      const o = open.get(r.id);
      if (o) {
        event(o.span, r);
        if (r.from === 'IN_PROGRESS') o.left = true;
        if (r.to === 'FAILED' && r.error) o.error = r.error;
        if (o.left && r.to !== 'FAILED' && r.to !== 'IN_PROGRESS') end(o, r, r.id);
        // An IN_PROGRESS entered anew (a new attempt) while the old span waited on FAILED: close it.
        else if (o.left && r.to === 'IN_PROGRESS') {
          end(o, r, r.id);
          start(r);
        }
        return;
      }
      if (r.to === 'IN_PROGRESS') start(r);
    },
    close() {
      for (const [id, o] of open) {
        o.span.setAttribute('warden.outcome', 'stopped');
        o.span.end();
        open.delete(id);
      }
    },
  };
}
