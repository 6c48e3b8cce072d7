// The CLI's promises about its own life: SIGTERM drains the running attempts, a second signal exits at
// once, a corrupt state.json or a busy port is one line on stderr and exit 1, /ready is 503 while it
// restores, and a SIGKILLed CLI started again has its tasks back. Real child processes, real signals.
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskView } from '../../src/index.ts';
import { cli, client, exitOf, tempDir, TOKEN, urlOf, useCliHarness, waitFor } from '../support/cli.ts';

useCliHarness();

const CONFIG = 'test/fixtures/e2e-lifecycle-config.ts';
const env = { WARDEN_TOKEN: TOKEN };

function listening(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

function portOf(s: Server): number {
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
}

async function freePort(): Promise<number> {
  const s = await listening();
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** stderr's lines, without the empty tail. */
const linesOf = (text: string) => text.split('\n').filter((l) => l.length > 0);

describe('CLI lifecycle (end to end)', () => {
  it('SIGTERM drains: a running attempt finishes and is journaled before the process exits 0', async () => {
    const dataDir = await tempDir();
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const api = client(await urlOf(c), TOKEN);
    const task = await api.create('slow', { ms: 1_500 });
    await api.until(task.id, 'IN_PROGRESS', (t) => t.status === 'IN_PROGRESS');
    c.child.kill('SIGTERM');
    // exit 0 only after the drain: the restart below finds the attempt finished, not crashed
    expect(await exitOf(c, 15_000)).toEqual({ code: 0, signal: null });
    const again = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const after = client(await urlOf(again), TOKEN);
    expect(await after.task(task.id)).toMatchObject({ status: 'SUCCEEDED', output: { slept: 1_500 }, attempts: 1 });
    again.child.kill('SIGTERM');
    expect((await exitOf(again)).code).toBe(0);
  });

  it('a second SIGTERM during the drain exits at once with 143', async () => {
    const dataDir = await tempDir();
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const api = client(await urlOf(c), TOKEN);
    const task = await api.create('slow', { ms: 60_000 });
    await api.until(task.id, 'IN_PROGRESS', (t) => t.status === 'IN_PROGRESS');
    c.child.kill('SIGTERM');
    // A repeat within 1 s counts as the same signal delivered twice; a later one cuts the drain.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(c.child.exitCode).toBeNull();
    c.child.kill('SIGTERM');
    expect(await exitOf(c, 3_000)).toEqual({ code: 143, signal: null });
    expect(c.stderr()).toContain('warden: second SIGTERM, exiting now');
  });

  it('a corrupt state.json: one line on stderr, exit 1, the file left as it was', async () => {
    const dataDir = await tempDir();
    const corrupt = '{"schemaVersion": 1, "tasks": [';
    await writeFile(join(dataDir, 'state.json'), corrupt);
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    expect((await exitOf(c, 15_000)).code).toBe(1);
    const lines = linesOf(c.stderr());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warden: cannot start: .*state\.json/);
    expect(c.stderr()).not.toMatch(/\n\s+at /);
    expect(await readFile(join(dataDir, 'state.json'), 'utf8')).toBe(corrupt);
  });

  it('a busy port: one line on stderr naming the address, exit 1', async () => {
    const busy = await listening();
    try {
      const port = portOf(busy);
      const c = cli(['--config', CONFIG, '--port', String(port), '--data-dir', await tempDir()], env);
      expect((await exitOf(c, 15_000)).code).toBe(1);
      expect(linesOf(c.stderr())).toEqual([`warden: cannot listen on 127.0.0.1:${port}: the address is in use (try --port)`]);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('/ready is 503 "restoring" until the start is done, then 200; /health answers throughout', async () => {
    const dataDir = await tempDir();
    const gate = join(dataDir, 'gate');
    const port = await freePort();
    const c = cli(['--config', CONFIG, '--port', String(port), '--data-dir', dataDir], { ...env, WARDEN_E2E_GATE: gate });
    const base = `http://127.0.0.1:${port}`;
    const ready = await waitFor(
      '/ready to answer',
      async () => {
        if (c.child.exitCode !== null) throw new Error(`the CLI exited early:\n${c.stderr()}`);
        return fetch(`${base}/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      },
      15_000,
    );
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'restoring' });
    expect((await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).status).toBe(200);
    await writeFile(gate, '');
    await urlOf(c);
    const after = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(2_000) });
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ready' });
  });

  it('a SIGKILLed CLI started again has its tasks back', async () => {
    const dataDir = await tempDir();
    const c = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const api = client(await urlOf(c), TOKEN);
    const done = await api.create('slow', { ms: 1 });
    await api.until(done.id, 'SUCCEEDED', (t) => t.status === 'SUCCEEDED');
    const waiting = await api.create('ext', { n: 1 });
    await api.until(waiting.id, 'IN_PROGRESS', (t) => t.status === 'IN_PROGRESS');
    c.child.kill('SIGKILL');
    expect((await exitOf(c)).signal).toBe('SIGKILL');

    const again = cli(['--config', CONFIG, '--port', '0', '--data-dir', dataDir], env);
    const after = client(await urlOf(again), TOKEN);
    expect(await after.task(done.id)).toMatchObject({ status: 'SUCCEEDED', output: { slept: 1 } });
    const back: TaskView = await after.task(waiting.id);
    expect(back).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
    // the external executor can still report the attempt it held before the kill
    expect((await after.call('POST', `/api/tasks/${waiting.id}/success`, { output: { late: true } })).status).toBe(200);
    expect(await after.task(waiting.id)).toMatchObject({ status: 'SUCCEEDED', output: { late: true } });
    again.child.kill('SIGTERM');
    expect((await exitOf(again)).code).toBe(0);
  });
});
