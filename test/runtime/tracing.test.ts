// OpenTelemetry: one span per attempt in the submitter's trace, state changes as events, error.type on
// the failed attempt, and the trace kept across a restart. The in-memory exporter of the real SDK.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWarden } from '../../src/index.ts';
import { contextOf, currentTraceparent } from '../../src/runtime/tracing.ts';

const exporter = new InMemorySpanExporter();
const silent = pino({ level: 'silent' });
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const attemptSpans = () => exporter.getFinishedSpans().filter((s) => s.name.startsWith('process '));
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** Runs fn inside a fresh `submit` span and returns that span's ids. */
async function inSpan<T>(fn: () => Promise<T>): Promise<{ value: T; traceId: string; spanId: string }> {
  const tracer = trace.getTracer('test');
  return tracer.startActiveSpan('submit', async (span) => {
    const value = await fn();
    span.end();
    return { value, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
  });
}

describe('tracing', () => {
  it('a retried task: one span per attempt, in the trace of its submit, with its events and error.type', async () => {
    let calls = 0;
    const warden = createWarden({
      persist: false,
      logger: silent,
      agents: {
        coder: {
          run: async () => {
            if (++calls === 1) throw Object.assign(new Error('overloaded'), { status: 503 });
            return 'done';
          },
        },
      },
      taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 'none' }, recovery: ['retry', 'escalate'] } },
    });
    await warden.start();
    try {
      const { value, traceId, spanId } = await inSpan(() => warden.submit({ agent: 'coder', type: 'default', input: {} }));
      expect(await warden.result(value.id)).toBe('done');
      const spans = attemptSpans();
      expect(spans).toHaveLength(2);
      const [first, second] = spans.sort((a, b) => Number(a.attributes['warden.attempt']) - Number(b.attributes['warden.attempt']));
      for (const s of [first!, second!]) {
        expect(s.spanContext().traceId).toBe(traceId);
        expect(parentOf(s)).toBe(spanId);
        expect(s.name).toBe('process default');
        expect(s.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'warden.task.id': value.id, 'warden.agent': 'coder', 'warden.task.type': 'default' });
      }
      expect(first!.attributes).toMatchObject({ 'warden.attempt': 1, 'error.type': 'server' });
      expect(first!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'overloaded' });
      expect(first!.events.map((e) => e.name)).toEqual(expect.arrayContaining(['FAILED']));
      expect(first!.events.at(-1)?.name).not.toBe('FAILED'); // the decision after FAILED is an event too
      expect(second!.attributes['warden.attempt']).toBe(2);
      expect(second!.attributes['error.type']).toBeUndefined();
      expect(second!.status.code).toBe(SpanStatusCode.OK);
      expect(second!.events.map((e) => e.name)).toContain('SUCCEEDED');
    } finally {
      await warden.stop();
    }
  });

  it('attempts after a restart join the trace of the submit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-trace-'));
    const make = () => createWarden({ dataDir, logger: silent, agents: { ext: {} }, taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 'none' }, recovery: ['retry', 'escalate'] } } });
    try {
      const w1 = make();
      await w1.start();
      const { value, traceId } = await inSpan(() => w1.submit({ agent: 'ext', input: {} }));
      await w1.stop();
      exporter.reset();

      const w2 = make();
      await w2.start();
      try {
        const before = w2.get(value.id)!.attempts;
        await w2.reportFailure(value.id, Object.assign(new Error('flaky upstream'), { status: 503 }));
        await expect.poll(() => w2.get(value.id)?.attempts).toBeGreaterThan(before);
        await w2.reportSuccess(value.id, 'ok');
        expect(await w2.result(value.id)).toBe('ok');
        const spans = attemptSpans();
        expect(spans.length).toBeGreaterThanOrEqual(1);
        for (const s of spans) expect(s.spanContext().traceId).toBe(traceId);
        expect(spans.some((s) => s.status.code === SpanStatusCode.OK)).toBe(true);
      } finally {
        await w2.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('traceparent round-trips and a malformed one means no parent', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(currentTraceparent(contextOf(tp))).toBe(tp);
    for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01']) {
      expect(currentTraceparent(contextOf(bad))).toBeUndefined();
    }
  });
});
