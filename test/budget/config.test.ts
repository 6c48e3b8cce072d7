// Config of budgets and providers: each wrong field named, defaults filled in, the caller's object untouched.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type RunFn } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

const run: RunFn = () => 'ok';
const opts = { strategyNames: ['retry', 'reassign', 'fallback', 'degrade', 'escalate'] };

function fieldOf(input: unknown): string {
  try {
    resolveConfig(input, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('budget and provider config', () => {
  it('an agent provider defaults to its name; limits and a type budget are kept', () => {
    const input = {
      agents: { a: { run, provider: 'openai' }, b: { run } },
      providers: { openai: { requestsPerMinute: 60, tokensPerMinute: 10_000, concurrency: 2 } },
      taskTypes: { paid: { budget: { costUsd: 2, turns: 10 } } },
    };
    const before = JSON.stringify(input);
    const c = resolveConfig(input, opts);
    expect([c.agents['a']?.provider, c.agents['b']?.provider]).toEqual(['openai', 'b']);
    expect(c.providers).toEqual({ openai: { requestsPerMinute: 60, tokensPerMinute: 10_000, concurrency: 2 } });
    expect(c.taskTypes['paid']?.budget).toEqual({ costUsd: 2, turns: 10 });
    expect(c.taskTypes['default']?.budget).toBeUndefined();
    expect(JSON.stringify(input)).toBe(before);
  });

  it.each([
    [{ agents: { a: { run, provider: '' } } }, 'agents.a.provider'],
    [{ agents: { a: { run, provider: 'has space' } } }, 'agents.a.provider'],
    [{ agents: { a: { run } }, providers: { openai: {} } }, 'providers.openai'],
    [{ agents: { a: { run } }, providers: { a: { requestsPerMinute: 0 } } }, 'providers.a.requestsPerMinute'],
    [{ agents: { a: { run } }, providers: { a: { concurrency: 1.5 } } }, 'providers.a.concurrency'],
    [{ agents: { a: { run } }, providers: { a: { rpm: 5 } } }, 'providers.a.rpm'],
    [{ agents: { a: { run } }, taskTypes: { default: { budget: { costUsd: -1 } } } }, 'taskTypes.default.budget.costUsd'],
    [{ agents: { a: { run } }, taskTypes: { default: { budget: { wallMs: 2 ** 40 } } } }, 'taskTypes.default.budget.wallMs'],
    [{ agents: { a: { run } }, taskTypes: { default: { budget: { dollars: 1 } } } }, 'taskTypes.default.budget.dollars'],
  ])('%j is refused naming %s', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });
});
