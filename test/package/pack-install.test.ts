// The package as a user gets it: `npm pack`, installed into a fresh project outside the repo (no
// access to the repo's node_modules or src/), used from plain JavaScript, type-checked from strict
// TypeScript, and its CLI run from node_modules/.bin.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HERE = join(ROOT, 'test', 'package');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
/** npm without the repo's npm_* settings (vitest runs under `npm test`, which sets them) */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-pack-'));
  // `npm pack` runs `prepare`, which builds dist/.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir, '--loglevel=error'], { cwd: ROOT, env: ENV, timeout: 90_000 });
  const filename = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>)[0]?.filename;
  if (!filename) throw new Error(`npm pack printed no tarball name: ${packed.stdout}`);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', join(dir, filename), '@types/node@20', ...NPM_FLAGS], { cwd: dir, env: ENV, timeout: 90_000 });
  await copyFile(join(HERE, 'consumer.mjs'), join(dir, 'consumer.mjs'));
  await copyFile(join(HERE, 'consumer.ts'), join(dir, 'consumer.ts'));
}, 180_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

describe('the packed package, installed', () => {
  it('ships compiled JavaScript, declarations and maps, and no TypeScript source', async () => {
    const files = await filesUnder(join(dir, 'node_modules', 'warden'));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.js.map', 'dist/src/cli.js']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md' && f !== 'LICENSE')).toEqual([]);
  });

  it('runs a task through a retry to SUCCEEDED from a plain .mjs', async () => {
    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: dir, timeout: 20_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(result).toEqual({
      output: { echo: 'hello' },
      status: 'SUCCEEDED',
      attempts: 2,
      path: ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT', 'ASSIGNED', 'IN_PROGRESS', 'SUCCEEDED'],
      badCursor: 'invalid_input',
    });
  });

  it('type-checks a strict TypeScript consumer against the shipped types', async () => {
    const tsconfig = {
      compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['consumer.ts'],
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const checked = await run(TSC, ['-p', 'tsconfig.json'], { cwd: dir, timeout: 60_000 }).then(
      () => ({ code: 0, out: '' }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code, out: err.stdout ?? '' }),
    );
    expect(checked.out).toBe('');
    expect(checked.code).toBe(0);
  });

  it('runs the installed CLI: --help', async () => {
    const { stdout } = await run(join(dir, 'node_modules', '.bin', 'warden'), ['--help'], { cwd: dir, timeout: 20_000 });
    expect(stdout).toMatch(/^Usage: warden/);
    expect(stdout).toContain('--config');
  });

  it('runs the installed CLI on a .json config and on a .mjs config, and says why a .ts one cannot load', async () => {
    await writeFile(join(dir, 'warden.json'), JSON.stringify({ persist: false, agents: { ext: {} } }));
    await writeFile(join(dir, 'warden.mjs'), 'export default () => ({ persist: false, agents: { coder: { run: async () => 1 } } });\n');
    await writeFile(join(dir, 'warden.ts'), 'export default { persist: false, agents: { ext: {} } };\n');
    for (const config of ['warden.json', 'warden.mjs']) expect(await cliReady(config)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ts = await run(join(dir, 'node_modules', '.bin', 'warden'), ['--config', 'warden.ts', '--port', '0'], { cwd: dir, timeout: 20_000 }).then(
      (): { code?: number; stderr?: string } => ({ code: 0 }),
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(ts.code).toBe(1);
    expect(ts.stderr).toContain('use a .js, .mjs or .json config');
  });
});

/** Starts the installed CLI on `config`, waits for /ready, stops it with SIGTERM; resolves to its URL. */
async function cliReady(config: string): Promise<string> {
  const child = spawn(join(dir, 'node_modules', '.bin', 'warden'), ['--config', config, '--port', '0', '--token', 'pack-test-token'], {
    cwd: dir,
    env: { ...ENV, WARDEN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  try {
    const until = Date.now() + 15_000;
    let url: string | undefined;
    while (url === undefined) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`the CLI did not start on ${config}: ${err || out}`);
      url = /dashboard: (http:\/\/[\d.:]+)\//.exec(out)?.[1];
      await new Promise((r) => setTimeout(r, 25));
    }
    const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) });
    expect(ready.status).toBe(200);
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(code, `exit on SIGTERM: ${err}`).toBe(0);
    return url;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
