// `warden simulate` end to end, as a child process under tsx (as `npm start` runs it): --json prints
// the report object of API.md and repeats for a seed; --report writes a page with both charts and no
// external reference; --compare runs a second .ts config beside the first; bad input exits non-zero
// with a line that says what is wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, exitOf, tempDir, useCliHarness } from '../support/cli.ts';

useCliHarness();

async function simulate(args: string[]) {
  const c = cli(['simulate', ...args], { WARDEN_LOG_LEVEL: 'silent' });
  const { code } = await exitOf(c, 30_000);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

describe('warden simulate', () => {
  it('--json prints the report object, the same for the same seed, on the demo config without --config', async () => {
    const args = ['--scenario', 'provider-outage', '--seed', '4', '--duration', '25m', '--json'];
    const [a, b] = await Promise.all([simulate(args), simulate(args)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const report = JSON.parse(a.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ scenario: 'provider-outage', config: 'demo', seed: 4, durationMs: 25 * 60_000 });
    for (const key of ['tasks', 'attemptsPerTask', 'timeToSuccessMs', 'providers', 'breakerOpenings', 'restarts', 'budgetSpent']) expect(report).toHaveProperty(key);
    const tasks = report.tasks as Record<string, number>;
    expect(Object.keys(tasks)).toEqual(expect.arrayContaining(['submitted', 'succeeded', 'escalated', 'cancelled']));
    expect(tasks.submitted).toBeGreaterThan(0);
    const providers = Object.values(report.providers as Record<string, { calls: number; failedCalls: number }>);
    expect(providers.some((p) => p.failedCalls > 0 && p.calls > p.failedCalls)).toBe(true);
    expect(report.budgetSpent).toMatchObject({ costUsd: expect.any(Number), tokens: expect.any(Number) });
  });

  it('--report writes a self-contained page with both charts; --compare puts a second .ts config beside the first', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out.html');
    const r = await simulate([
      '--config', 'test/fixtures/simulate-breaker.ts', '--compare', 'test/fixtures/simulate-no-breaker.ts',
      '--scenario', 'provider-outage', '--duration', '25m', '--report', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('scenario provider-outage, seed 1, 25m simulated');
    expect(r.stdout).toMatch(/simulate-breaker\.ts\s+simulate-no-breaker\.ts/);
    expect(r.stdout).toMatch(/calls to llm\s+\d/);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('Tasks by status over time');
    expect(html).toContain('Calls per minute per provider');
    expect(html).toContain('<path d="M');
    // Opens without a network: nothing to fetch, nothing to run.
    expect(html).not.toMatch(/https?:|\/\/[a-z]|<script|<link|@import|url\(/i);
  });

  it('a scenario file runs; a wrong one, an unknown name, a bad flag and a wrong config each exit non-zero saying what is wrong', async () => {
    const dir = await tempDir();
    const good = join(dir, 'mine.json');
    writeFileSync(good, JSON.stringify({ name: 'mine', arrivals: { perMinute: 10 }, windows: [{ target: 'coder', fromMs: '2m', toMs: '4m', errors: { server: 1 } }] }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ arrivals: { perMinute: 10 }, windows: [{ target: 'coder', fromMs: '4m', toMs: '2m' }] }));

    const ok = await simulate(['--scenario', good, '--duration', '10m', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ scenario: 'mine', durationMs: 600_000 });

    const [wrong, unknown, flag, config] = await Promise.all([
      simulate(['--scenario', bad]),
      simulate(['--scenario', 'tsunami']),
      simulate(['--scenario', 'kill-9', '--seed', 'many']),
      simulate(['--scenario', 'kill-9', '--config', 'test/fixtures/e2e-bad-field-config.ts']),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('warden simulate: scenario windows[0].toMs: must be after fromMs (240000)');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown scenario "tsunami": not a built-in one (429-storm, provider-outage, slow-provider, crash-loop, kill-9)');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--seed must be an integer');
    expect(config.code).toBe(1);
    expect(config.stderr).toContain('warden simulate: invalid config: agents.coder.concurrency must be a positive integer');
  });
});
