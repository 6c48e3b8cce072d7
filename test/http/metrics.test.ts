import { afterEach, describe, expect, it } from 'vitest';
import { harness, waitFor, type Harness } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const NAMES = [
  'warden_transitions_total',
  'warden_tasks',
  'warden_attempts_total',
  'warden_attempt_duration_seconds',
  'warden_breaker_state',
  'warden_agent_restarts_total',
  'warden_alerts_total',
  'warden_event_loop_lag_seconds',
  'process_cpu_user_seconds_total',
];

describe('GET /metrics', () => {
  it('is Prometheus text, open without a token, with every metric after some transitions', async () => {
    h = await harness();
    const x = h;
    const ok = await x.warden.submit({ agent: 'ok' });
    const bad = await x.warden.submit({ agent: 'bad' });
    await x.warden.submit({ agent: 'flaky' });
    await waitFor(() => x.warden.get(ok.id)?.status === 'SUCCEEDED' && x.warden.get(bad.id)?.status === 'ESCALATED');
    await waitFor(() => x.warden.breakers().find((b) => b.agent === 'flaky')?.state === 'OPEN');
    await x.req('POST', '/api/agents/ext/restart');
    await waitFor(() => x.warden.agent('ext').lifecycle === 'RUNNING' && x.warden.agent('ext').restarts > 0);

    const res = await x.req('GET', '/metrics', { token: false });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of NAMES) expect(text, name).toContain(`# TYPE ${name} `);
    expect(text).toMatch(/^warden_transitions_total\{kind="task",from="IN_PROGRESS",to="SUCCEEDED"\} 1$/m);
    expect(text).toMatch(/^warden_tasks\{status="SUCCEEDED"\} 1$/m);
    expect(text).toMatch(/^warden_tasks\{status="ESCALATED"\} 2$/m);
    expect(text).toMatch(/^warden_attempts_total\{agent="ok",outcome="succeeded"\} 1$/m);
    expect(text).toMatch(/^warden_attempts_total\{agent="bad",outcome="failed"\} 1$/m);
    expect(text).toMatch(/^warden_attempt_duration_seconds_count\{agent="ok"\} 1$/m);
    expect(text).toMatch(/^warden_breaker_state\{agent="flaky"\} 2$/m);
    expect(text).toMatch(/^warden_breaker_state\{agent="ok"\} 0$/m);
    expect(text).toMatch(/^warden_alerts_total\{level="CRITICAL"\} 2$/m);
    // the opened circuit and the operator's restart over HTTP (who acted is an alert of its own)
    expect(text).toMatch(/^warden_alerts_total\{level="WARNING"\} 2$/m);
    expect(text).toMatch(/^warden_agent_restarts_total\{agent="ext"\} 1$/m);
    expect(text).toMatch(/^warden_event_loop_lag_seconds\{stat="p99"\} [0-9.e+-]+$/m);
  });

  it('uses its own registry: two apps do not share counters', async () => {
    h = await harness();
    const { createApp } = await import('../../src/http/index.ts');
    const other = createApp(h.warden, { logger: (await import('./helpers.ts')).silent });
    expect(other.metrics.registry).not.toBe(h.metrics.registry);
    await h.warden.submit({ agent: 'ext' });
    other.close();
    await h.warden.submit({ agent: 'ext' });
    const mine = await h.metrics.registry.getSingleMetricAsString('warden_transitions_total');
    const theirs = await other.metrics.registry.getSingleMetricAsString('warden_transitions_total');
    expect(mine).toMatch(/^warden_transitions_total\{kind="task",from="none",to="PENDING"\} 2$/m);
    expect(theirs).toMatch(/^warden_transitions_total\{kind="task",from="none",to="PENDING"\} 1$/m);
  });
});
