// End to end: the real CLI as a child process, driven over HTTP, stopped with SIGTERM.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert, BreakerView, TaskView, TransitionRecord } from '../../src/index.ts';
import { SseReader } from '../http/sse-reader.ts';
import { cli, client, CONFIG, exitOf, tempDir, TOKEN, urlOf, useCliHarness, waitFor } from '../support/cli.ts';

useCliHarness();

describe('warden CLI (end to end)', () => {
  it('serves the control plane for a config module and stops cleanly on SIGTERM', async () => {
    const dataDir = await tempDir();
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], { WARDEN_TOKEN: TOKEN });
    const base = await urlOf(c);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(c.stdout()).toContain('token:     (from WARDEN_TOKEN)');
    expect(c.stdout()).toContain(`state:     ${dataDir}`);
    const api = client(base, TOKEN);

    // The open endpoints, and 401 on the rest without (or with a wrong) token.
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/api/tasks`)).status).toBe(401);
    expect((await client(base, 'wrong-token').call('GET', '/api/tasks')).status).toBe(401);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);

    // The event stream: a task's transitions arrive as `transition` events, `id` = seq.
    const events = await api.events();
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const sse = new SseReader(events.body);
    expect((await sse.frame())?.comment).toBe('connected');

    const ok = await api.create('ok', { n: 1 });
    expect(ok).toMatchObject({ agent: 'ok', input: { n: 1 } });
    const seen: TransitionRecord[] = [];
    await waitFor('the SUCCEEDED event of the ok task', async () => {
      const [r] = await sse.records(1);
      if (r) seen.push(r);
      return r?.id === ok.id && r.to === 'SUCCEEDED' ? r : undefined;
    });
    expect(seen[0]).toMatchObject({ kind: 'task', id: ok.id, from: null, to: 'PENDING' });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
    expect((await api.task(ok.id)).output).toEqual({ echo: { n: 1 } });
    const history = (await api.call('GET', `/api/tasks/${ok.id}/history`)).json as TransitionRecord[];
    expect(history.map((r) => r.to)).toEqual(['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED']);

    // Last-Event-ID resumes right after the given record.
    const resumed = await api.events({ 'last-event-id': String(seen[0]!.seq) });
    const again = new SseReader(resumed.body);
    const [next] = await again.records(1);
    expect(next?.seq).toBe(seen[0]!.seq + 1);
    await again.cancel();

    // A 503 opens flaky's circuit (threshold 1); its retry waits behind it until an operator resets it.
    const flaky = await api.create('flaky', { bug: 7 });
    await waitFor('flaky circuit OPEN', async () => {
      const breakers = (await api.call('GET', '/api/health/circuit-breakers')).json as BreakerView[];
      return breakers.find((b) => b.agent === 'flaky' && b.state === 'OPEN');
    });
    const waiting = await api.until(flaky.id, 'waiting behind the open circuit', (t) => t.status === 'ASSIGNED' && t.attempts === 1);
    expect(waiting.error).toMatchObject({ kind: 'server', status: 503 });
    const degraded = (await api.call('GET', '/api/health/detailed')).json as { status: string };
    expect(degraded.status).toBe('degraded');
    const reset = await api.call('POST', '/api/health/circuit-breakers/flaky/reset');
    expect(reset).toMatchObject({ status: 200, json: { agent: 'flaky', state: 'CLOSED' } });
    const fixed = await api.until(flaky.id, 'SUCCEEDED', (t) => t.status === 'SUCCEEDED');
    expect(fixed).toMatchObject({ attempts: 2, output: { fixed: { bug: 7 }, attempt: 2 } });
    expect((await api.call('POST', '/api/health/circuit-breakers/nobody/reset')).status).toBe(404);

    // A 401 escalates; a retry escalates again; a human resolves it.
    const bad = await api.create('bad', {});
    await api.until(bad.id, 'ESCALATED', (t) => t.status === 'ESCALATED');
    const alerts = (await api.call('GET', '/api/health/alerts?limit=10')).json as Alert[];
    expect(alerts.some((a) => a.level === 'CRITICAL' && a.component === `task:${bad.id}`)).toBe(true);
    expect((await api.call('POST', `/api/tasks/${bad.id}/retry`)).status).toBe(200);
    await api.until(bad.id, 'ESCALATED after its retry', (t) => t.status === 'ESCALATED' && t.attempts === 2);
    const resolved = await api.call('POST', `/api/tasks/${bad.id}/resolve`, { output: { by: 'human' } });
    expect(resolved).toMatchObject({ status: 200, json: { status: 'SUCCEEDED', output: { by: 'human' } } });
    expect((await api.call('POST', `/api/tasks/${bad.id}/resolve`, { output: 1 })).status).toBe(409);
    expect((await api.call('POST', `/api/tasks/${bad.id}/retry`)).status).toBe(409);

    // The external executor: heartbeat, a failure callback (retried), then a success callback.
    const ext = await api.create('ext', { job: 'build' });
    await api.until(ext.id, 'IN_PROGRESS', (t) => t.status === 'IN_PROGRESS');
    expect((await api.call('POST', `/api/tasks/${ext.id}/heartbeat`)).status).toBe(200);
    const failed = await api.call('POST', `/api/tasks/${ext.id}/failure`, { error: { message: 'runner lost', status: 503 } });
    expect(failed.status).toBe(200);
    await api.until(ext.id, 'IN_PROGRESS again', (t) => t.status === 'IN_PROGRESS' && t.attempts === 2);
    const succeeded = await api.call('POST', `/api/tasks/${ext.id}/success`, { output: { passed: 3 } });
    expect(succeeded).toMatchObject({ status: 200, json: { status: 'SUCCEEDED', output: { passed: 3 } } });
    expect((await api.call('POST', `/api/tasks/${ext.id}/success`, { output: {} })).status).toBe(409);

    // Cancel, and a second cancel of the finished task.
    const doomed = await api.create('ext', { job: 'deploy' });
    await api.until(doomed.id, 'IN_PROGRESS', (t) => t.status === 'IN_PROGRESS');
    expect(await api.call('POST', `/api/tasks/${doomed.id}/cancel`)).toMatchObject({ status: 200, json: { status: 'CANCELLED' } });
    expect((await api.call('POST', `/api/tasks/${doomed.id}/cancel`)).status).toBe(409);
    expect((await api.call('GET', '/api/tasks/no-such-task')).status).toBe(404);

    // Lists, agents, detailed health and metrics.
    const list = (await api.call('GET', '/api/tasks?status=SUCCEEDED&limit=10')).json as { items: TaskView[] };
    expect(list.items.map((t) => t.id).sort()).toEqual([ok.id, flaky.id, bad.id, ext.id].sort());
    expect((await api.call('GET', '/api/agents/ext')).json).toMatchObject({ name: 'ext', external: true, lifecycle: 'RUNNING' });
    const detailed = (await api.call('GET', '/api/health/detailed')).json as Record<string, unknown>;
    expect(detailed).toMatchObject({ status: 'ok', tasks: { byStatus: { SUCCEEDED: 4, CANCELLED: 1 } } });
    expect(detailed.disk).toMatchObject({ path: dataDir });
    for (const key of ['uptimeMs', 'memory', 'eventLoopLagMs', 'agents', 'breakers', 'supervisors']) expect(detailed).toHaveProperty(key);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('warden_transitions_total{kind="task",from="IN_PROGRESS",to="SUCCEEDED"}');
    expect(text).toContain('warden_tasks{status="SUCCEEDED"} 4');
    expect(text).toContain('warden_attempts_total{agent="bad",outcome="failed"} 2');
    expect(text).toMatch(/warden_breaker_state\{agent="flaky"\} 0/);
    expect(text).toContain('process_cpu_user_seconds_total');

    // SIGTERM: the event stream ends, the process exits 0 after writing its final snapshot.
    c.child.kill('SIGTERM');
    let frames = 0;
    while ((await sse.frame(5_000)) !== null) expect(++frames).toBeLessThan(1_000); // the rest, then the end
    expect(await exitOf(c)).toEqual({ code: 0, signal: null });
    const state = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')) as { schemaVersion: unknown; tasks: Record<string, { ctx: { status: string } }> };
    expect(typeof state.schemaVersion).toBe('number');
    expect(state.tasks[ext.id]?.ctx.status).toBe('SUCCEEDED');
    expect(state.tasks[doomed.id]?.ctx.status).toBe('CANCELLED');
    expect(c.stderr()).toBe('');
  }, 25_000);

  it('generates a token into the data dir (mode 0600), names the file instead of printing it (stdout is no TTY), and reuses it', async () => {
    const dataDir = await tempDir();
    const env = { WARDEN_TOKEN: undefined };
    const first = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const base = await urlOf(first);
    const line = /^\s*token:\s+\(generated, saved in (.+); read it from there\)$/m.exec(first.stdout());
    expect(line?.[1]).toBe(join(dataDir, 'token'));
    const value = (await readFile(join(dataDir, 'token'), 'utf8')).trim();
    expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.stdout()).not.toContain(value);
    expect((await stat(join(dataDir, 'token'))).mode & 0o777).toBe(0o600);
    expect((await client(base, value).call('GET', '/api/agents')).status).toBe(200);
    expect((await fetch(`${base}/api/agents`)).status).toBe(401);
    first.child.kill('SIGTERM');
    expect((await exitOf(first)).code).toBe(0);

    const second = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const again = await urlOf(second);
    expect(second.stdout()).toContain(`token:     (from ${join(dataDir, 'token')}; read it from there)`);
    expect(second.stdout()).not.toContain(value);
    expect((await client(again, value).call('GET', '/api/agents')).status).toBe(200);
    second.child.kill('SIGINT');
    expect((await exitOf(second)).code).toBe(0);
  }, 20_000);

  it('--tokens FILE: named tokens with roles; whoami names them; a viewer gets 403 on an action', async () => {
    const dataDir = await tempDir();
    const file = join(dataDir, 'tokens.json');
    const tokens = [
      { name: 'vera', token: 'viewer-e2e.0123456789', role: 'viewer' },
      { name: 'ada', token: 'admin-e2e.0123456789', role: 'admin' },
    ];
    await writeFile(file, JSON.stringify(tokens));
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir, '--tokens', file], { WARDEN_TOKEN: undefined });
    const base = await urlOf(c);
    expect(c.stdout()).toContain(`token:     2 named in ${file}: vera (viewer), ada (admin)`);
    expect(c.stdout()).not.toContain('viewer-e2e');
    const who = await client(base, 'viewer-e2e.0123456789').call('GET', '/api/whoami');
    expect(who.status).toBe(200);
    expect(who.json).toEqual({ name: 'vera', role: 'viewer' });
    expect((await client(base, 'viewer-e2e.0123456789').call('POST', '/api/agents/coder/stop', {})).status).toBe(403);
    c.child.kill('SIGTERM');
    expect((await exitOf(c)).code).toBe(0);
    await expect(stat(join(dataDir, 'token'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 20_000);

  it('--tokens with a bad file exits 1 naming the file and the field', async () => {
    const dataDir = await tempDir();
    const file = join(dataDir, 'tokens.json');
    await writeFile(file, JSON.stringify([{ name: 'x', token: 'tok-e2e.0123456789', role: 'root' }]));
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir, '--tokens', file]);
    expect(await exitOf(c)).toEqual({ code: 1, signal: null });
    expect(c.stderr()).toContain(file);
    expect(c.stderr()).toContain('tokens[0].role');
  }, 20_000);

  it('exits 1 naming the field for a bad config module, without a stack trace', async () => {
    const dataDir = await tempDir();
    const cases = [
      { file: 'test/fixtures/e2e-bad-config.ts', field: 'agents' },
      { file: 'test/fixtures/e2e-bad-field-config.ts', field: 'agents.coder.concurrency' },
      { file: 'test/fixtures/no-such-config.ts', field: 'no-such-config.ts' },
    ];
    await Promise.all(
      cases.map(async ({ file, field }) => {
        const c = cli(['--config', file, '--port', '0', '--data-dir', dataDir]);
        expect(await exitOf(c)).toEqual({ code: 1, signal: null });
        expect(c.stderr()).toContain(field);
        expect(c.stderr()).toMatch(/^warden: /);
        expect(c.stderr()).not.toMatch(/\n\s+at /);
        expect(c.stdout()).not.toContain('dashboard:');
      }),
    );
  }, 20_000);
});
