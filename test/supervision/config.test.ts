// supervisor_SUITE: sup_flags and child_specs. A bad supervisor flag or child spec is refused by
// createWarden() with a ConfigError that names the field.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, createWarden, type AgentConfig, type WardenConfig } from '../../src/index.ts';

const agent = (extra: Record<string, unknown> = {}): AgentConfig => ({ start: () => ({}), stop: () => {}, ...extra }) as AgentConfig;

function build(config: Record<string, unknown>) {
  return createWarden({ persist: false, logger: pino({ level: 'silent' }), ...config } as unknown as WardenConfig);
}

function configError(config: Record<string, unknown>): ConfigError {
  try {
    build(config);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw new Error(`expected a ConfigError, got ${String(err)}`);
  }
  throw new Error('expected createWarden() to throw');
}

const two = { a: agent(), b: agent() };

describe('sup_flags', () => {
  it.each([
    ['an unknown strategy', { strategy: 'one_for_none' }, 'supervisor.strategy', /one_for_one, one_for_all, rest_for_one/],
    ['simple_one_for_one (not supported)', { strategy: 'simple_one_for_one' }, 'supervisor.strategy', /must be one of/],
    ['a strategy that is not a string', { strategy: 1 }, 'supervisor.strategy', /must be one of/],
    ['a negative maxRestarts', { maxRestarts: -1 }, 'supervisor.maxRestarts', /non-negative integer/],
    ['a fractional maxRestarts', { maxRestarts: 1.5 }, 'supervisor.maxRestarts', /non-negative integer/],
    ['maxRestarts as a string', { maxRestarts: '3' }, 'supervisor.maxRestarts', /non-negative integer/],
    ['withinMs = 0', { withinMs: 0 }, 'supervisor.withinMs', /positive/],
    ['a negative withinMs', { withinMs: -5 }, 'supervisor.withinMs', /positive/],
    ['withinMs = NaN', { withinMs: Number.NaN }, 'supervisor.withinMs', /positive/],
  ])('refuses %s', (_what, supervisor, field, message) => {
    const err = configError({ agents: two, supervisor });
    expect(err.field).toBe(field);
    expect(err.code).toBe('invalid_config');
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(field)).toBe(true);
  });

  it('accepts the OTP range: maxRestarts 0 and any positive window', () => {
    expect(() => build({ agents: two, supervisor: { strategy: 'rest_for_one', maxRestarts: 0, withinMs: 1 } })).not.toThrow();
    expect(() => build({ agents: two, supervisor: { strategy: 'one_for_all', maxRestarts: 100, withinMs: 0.5 } })).not.toThrow();
  });

  it.each([
    ['an unknown strategy', { strategy: 'all_for_one' }, 'supervisor.children[1].strategy'],
    ['a negative maxRestarts', { maxRestarts: -2 }, 'supervisor.children[1].maxRestarts'],
    ['withinMs = 0', { withinMs: 0 }, 'supervisor.children[1].withinMs'],
  ])('refuses %s on a nested supervisor, naming its path', (_what, flags, field) => {
    const err = configError({
      agents: { a: agent(), b: agent(), c: agent() },
      supervisor: { children: ['a', { name: 'inner', children: ['b', 'c'], ...flags }] },
    });
    expect(err.field).toBe(field);
  });
});

describe('child_specs', () => {
  it('refuses a child listed twice', () => {
    const err = configError({ agents: two, supervisor: { children: ['a', 'b', 'a'] } });
    expect(err.field).toBe('supervisor.children[2]');
    expect(err.message).toMatch(/"a" a second time/);
  });

  it('refuses a child listed once at the root and again in a nested supervisor', () => {
    const err = configError({ agents: two, supervisor: { children: ['a', { name: 'inner', children: ['b', 'a'] }] } });
    expect(err.field).toBe('supervisor.children[1].children[1]');
  });

  it('refuses a child that is not an agent', () => {
    const unknown = configError({ agents: two, supervisor: { children: ['a', 'ghost'] } });
    expect(unknown.field).toBe('supervisor.children[1]');
    expect(unknown.message).toMatch(/unknown agent "ghost"/);

    const notAName = configError({ agents: two, supervisor: { children: ['a', 42] } });
    expect(notAName.field).toBe('supervisor.children[1]');

    const nested = configError({ agents: two, supervisor: { children: [{ name: 'inner', children: ['ghost'] }] } });
    expect(nested.field).toBe('supervisor.children[0].children[0]');
  });

  it('refuses a nested supervisor named like an agent', () => {
    const err = configError({ agents: two, supervisor: { children: [{ name: 'a', children: ['b'] }] } });
    expect(err.field).toBe('supervisor.children[0].name');
  });

  it.each([['perm'], ['Permanent'], [''], [1], [null]])('refuses restart type %j', (restart) => {
    const err = configError({ agents: { a: agent({ restart }), b: agent() } });
    expect(err.field).toBe('agents.a.restart');
    expect(err.message).toMatch(/permanent, transient, temporary/);
  });

  it.each([[-1], ['soon'], ['brutal-kill'], ['Infinity'], [Number.POSITIVE_INFINITY], [Number.NaN], [2 ** 31], [null]])(
    'refuses shutdownMs %j',
    (shutdownMs) => {
      const err = configError({ agents: { a: agent(), b: agent({ shutdownMs }) } });
      expect(err.field).toBe('agents.b.shutdownMs');
      expect(err.message).toMatch(/brutal_kill/);
    },
  );

  it.each([['permanent'], ['transient'], ['temporary']])('accepts restart type %s', (restart) => {
    expect(() => build({ agents: { a: agent({ restart }) } })).not.toThrow();
  });

  it.each([[0], [1], [5_000], ['brutal_kill'], ['infinity']])('accepts shutdownMs %j', (shutdownMs) => {
    expect(() => build({ agents: { a: agent({ shutdownMs }) } })).not.toThrow();
  });
});
