// `npm start` stops cleanly on a SIGTERM sent to exactly the pid the user started (npm's), as a
// container runtime does: no process is left holding the port or the data-directory lock, and the
// final snapshot is written. (npm runs the script through `sh -c`; the script execs node, so no
// shell sits between npm, which forwards the signal, and Warden.)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TOKEN = 'npm-e2e-token.0123456789';
const dirs: string[] = [];
const started: number[] = [];

afterEach(async () => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of holders(dirs)) process.kill(pid, 'SIGKILL');
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** pids of live processes whose command line names one of the dirs (Linux /proc). */
function holders(names: readonly string[]): number[] {
  if (names.length === 0 || !existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (names.some((n) => cmd.includes(n))) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1', timeout: 1_000 });
    s.once('connect', () => (s.destroy(), res(false)));
    s.once('error', () => res(true));
    s.once('timeout', () => (s.destroy(), res(false)));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('npm start', () => {
  it('SIGTERM to the npm pid: Warden exits, the port and the lock are released, the final snapshot is written', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'warden-npm-start-'));
    dirs.push(dataDir);
    const npm = spawn('npm', ['start', '--silent', '--', '--config', 'test/fixtures/e2e-config.ts', '--port', '0', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_TOKEN: TOKEN, WARDEN_LOG_LEVEL: 'warn', PORT: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (npm.pid !== undefined) started.push(npm.pid);
    let out = '';
    let err = '';
    npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    npm.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((res) => npm.once('exit', (code) => res(code)));

    const deadline = Date.now() + 20_000;
    let base: string | undefined;
    while (!base) {
      if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`npm start did not come up:\n${out}\n${err}`);
      base = /^\s*dashboard:\s+(http:\/\/\S+?)\/?$/m.exec(out)?.[1];
      await sleep(50);
    }
    const port = Number(new URL(base).port);
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/tasks`, { method: 'POST', headers: auth, body: JSON.stringify({ agent: 'ext', input: 'kept' }), signal: AbortSignal.timeout(5_000) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(existsSync(join(dataDir, 'lock'))).toBe(true);
    expect(holders([dataDir]).length).toBeGreaterThanOrEqual(2); // npm and node (at least)

    npm.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`npm did not exit:\n${err}`)), 15_000)))]);
    clearTimeout(timer);
    expect(code).not.toBeNull();

    // Whatever npm does on exit, nothing may be left behind it.
    const until = Date.now() + 5_000;
    while (holders([dataDir]).length > 0 && Date.now() < until) await sleep(50);
    expect(holders([dataDir])).toEqual([]);
    expect(await portRefuses(port)).toBe(true);
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
    const state = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')) as { tasks: Record<string, unknown> };
    expect(Object.keys(state.tasks)).toContain(id);
  }, 40_000);
});
