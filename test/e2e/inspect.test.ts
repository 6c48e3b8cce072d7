// End to end: `--inspect` streams the live actors to a Stately inspector bridge on a local WebSocket.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => done(port));
    });
  });
}

async function until<T>(probe: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cli --inspect', () => {
  it('streams the live actors (supervisors, agents, tasks and provider gates, told apart by their machine) to a connected inspector', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-inspect-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--inspect', String(port), '--port', '0', '--data-dir', dir], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_LOG_LEVEL: 'warn', PORT: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(() => (out.includes('Warden is running') ? true : undefined), 20_000);
      // Bound to --host (127.0.0.1 by default), announced with the address it listens on.
      expect(out).toContain(`http://127.0.0.1:${port}`);
      expect(out).toContain('unredacted');
      const ws = new WebSocket(`ws://127.0.0.1:${port}`);
      // Actors by the machine they run (the definition's root id): supervisor, agent, task.
      const kinds = new Map<string, Set<string>>();
      ws.on('message', (m: Buffer) => {
        const ev = JSON.parse(m.toString()) as { type?: string; sessionId?: string; definition?: string };
        if (ev.type !== '@xstate.actor' || typeof ev.definition !== 'string') return;
        const machine = (JSON.parse(ev.definition) as { id?: string }).id ?? '';
        if (!kinds.has(machine)) kinds.set(machine, new Set());
        kinds.get(machine)?.add(ev.sessionId ?? '');
      });
      // The demo keeps submitting tasks: new task actors keep arriving while we listen.
      // Provider gates are actors of their own (machines/provider.ts), one per provider.
      const all = ['supervisor', 'agent', 'task', 'provider'];
      await until(() => (all.every((k) => (kinds.get(k)?.size ?? 0) > 0) ? true : undefined), 15_000);
      expect([...kinds.keys()].sort()).toEqual(['agent', 'provider', 'supervisor', 'task']);
      expect(kinds.get('provider')?.size ?? 0).toBeGreaterThanOrEqual(2);
      // the demo's tree: several agents under nested supervisors
      expect(kinds.get('agent')?.size ?? 0).toBeGreaterThanOrEqual(2);
      ws.close();
    } finally {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  }, 45_000);
});
