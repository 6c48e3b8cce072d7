// One process per data directory: a second is refused while the first lives; a crashed one's lock is taken over.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarden, isWardenError } from '../../src/index.ts';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function warden(dir: string) {
  return createWarden({ dataDir: dir, logger: pino({ level: 'silent' }), agents: { ext: {} } });
}

describe('data directory lock', () => {
  it('refuses a second process while the first lives, and takes over once it was killed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-lock-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-dir.ts', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('holder did not start')), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    const refused = await warden(dir).start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isWardenError(refused) && refused.code).toBe('locked');
    expect(String((refused as Error).message)).toContain(String(child.pid));

    child.kill('SIGKILL');
    await exited;
    const w = warden(dir);
    await w.start();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    await w.stop();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
  }, 40_000);
});
