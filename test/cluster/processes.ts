// Real Warden processes for the cluster tests (test/fixtures/cluster-worker.ts): spawn one, wait for
// READY with a bound, SIGKILL it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = path.join(ROOT, 'test/fixtures/cluster-worker.ts');

export interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  kill(): Promise<void>;
}

export function spawnWorker(cs: string, schema: string, node: string, leaseMs: number, mode: 'work' | 'hang'): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, cs, schema, node, String(leaseMs), mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()).slice(-2_000));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${node} not READY within 20 s: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'READY') (clearTimeout(timer), resolve());
      if (line.startsWith('FATAL')) (clearTimeout(timer), reject(new Error(`${node}: ${line}`)));
    });
    child.once('exit', (code, signal) => (clearTimeout(timer), reject(new Error(`${node} exited (${code ?? signal}) before READY: ${stderr}`))));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
