// The README's scenario file is a real one: it validates, and the demo's config runs it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulate/run.ts';
import { parseScenario } from '../../src/simulate/scenario.ts';
import { demo, providerOf } from './configs.ts';

describe('the README section "Simulating a policy"', () => {
  it("has a scenario file that validates and runs on the demo's config, every part of it in effect", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Simulating a policy'));
    const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(json).toBeDefined();
    const scenario = parseScenario(JSON.parse(json ?? ''));
    expect(scenario.name).toBe('openai-brownout');
    const { report } = await runSimulation(demo(), scenario, { seed: 2, durationMs: 30 * 60_000 });
    expect(report.processRestarts).toBe(1);
    expect(report.restarts).toBeGreaterThan(0);
    expect(report.tasks.cancelled).toBeGreaterThan(0);
    expect(report.providers[providerOf(demo(), 'coder')]?.duringFaults?.calls).toBeGreaterThan(0);
    expect(report.tasks.submitted).toBeGreaterThan(1_500);
  });
});
