// The README's SDK examples run as a user runs them (tsx, no API key: the local fake provider) and
// show Warden's retry of each SDK's failure ending in SUCCEEDED.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'OPENAI_API_KEY' && k !== 'ANTHROPIC_API_KEY'));

describe.concurrent('examples/ for the SDKs', () => {
  it.each([
    ['openai-agent.ts', 'FAILED(rate_limit, wait 1000 ms)'],
    ['anthropic-agent.ts', 'FAILED(server 529)'],
    ['ai-sdk-agent.ts', 'FAILED(connection)'],
  ])('%s retries %s and succeeds', async (file, failure) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${file}`], { cwd: ROOT, env: ENV, timeout: 30_000 });
    expect(stdout).toContain('output: Hello from the fake provider');
    const history = stdout.split('\n').find((l) => l.startsWith('history:')) ?? '';
    expect(history).toContain(`IN_PROGRESS → ${failure}`);
    expect(history).toMatch(/ASSIGNED → IN_PROGRESS → SUCCEEDED$/);
  });
});
