// The CLI as a child process for the end-to-end tests: spawn it, read its output, wait for its URL
// and its exit (bounded), and call its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import type { TaskView } from '../../src/index.ts';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CONFIG = 'test/fixtures/e2e-config.ts';
export const TOKEN = 'e2e-token.0123456789abcdef';

export interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Cli>();
const dirs: string[] = [];

/** Kills every CLI still running and removes the temp dirs after each test. */
export function useCliHarness(): void {
  afterEach(async () => {
    for (const cli of running) cli.child.kill('SIGKILL');
    running.clear();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-e2e-'));
  dirs.push(dir);
  return dir;
}

export function cli(args: string[], env: Record<string, string | undefined> = {}): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, WARDEN_LOG_LEVEL: 'info', PORT: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const handle: Cli = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((res) => child.once('exit', (code, signal) => res({ code, signal }))),
  };
  running.add(handle);
  void handle.exited.then(() => running.delete(handle));
  return handle;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` every 25 ms until it returns something other than undefined; fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The dashboard URL the CLI prints once it is running. */
export async function urlOf(c: Cli): Promise<string> {
  return waitFor(
    'the dashboard URL on stdout',
    () => {
      if (c.child.exitCode !== null) throw new Error(`the CLI exited early:\n${c.stderr()}`);
      return /^\s*dashboard:\s+(http:\/\/\S+?)\/?$/m.exec(c.stdout())?.[1];
    },
    15_000,
  );
}

export async function exitOf(c: Cli, ms = 10_000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the CLI did not exit:\n${c.stderr()}`)), ms)));
  try {
    return await Promise.race([c.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function client(base: string, token: string) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async task(id: string): Promise<TaskView> {
      return (await this.call('GET', `/api/tasks/${id}`)).json as TaskView;
    },
    async create(agent: string, input: unknown): Promise<TaskView> {
      const r = await this.call('POST', '/api/tasks', { agent, input });
      expect(r.status).toBe(201);
      return r.json as TaskView;
    },
    /** waits until the task matches `ok` */
    async until(id: string, what: string, ok: (t: TaskView) => boolean): Promise<TaskView> {
      return waitFor(`task ${id} ${what}`, async () => {
        const t = await this.task(id);
        return ok(t) ? t : undefined;
      });
    },
    events(headers: Record<string, string> = {}): Promise<Response> {
      return fetch(`${base}/api/events`, { headers: { ...auth, ...headers } });
    },
  };
}

