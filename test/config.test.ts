import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pino from 'pino';
import {
  BREAKER_DEFAULTS,
  DEFAULT_RECOVERY,
  MAX_TIMER_MS,
  RESTART_BACKOFF_DEFAULTS,
  TASK_BACKOFF_DEFAULTS,
  WARDEN_DEFAULTS,
  resolveConfig,
  type ResolvedSupervisorConfig,
  type RunFn,
} from '../src/config.ts';
import { ConfigError, isWardenError } from '../src/errors.ts';

const BUILT_IN = ['retry', 'reassign', 'fallback', 'degrade', 'escalate'] as const;
const opts = { strategyNames: BUILT_IN };
const run: RunFn = async () => 'ok';

function resolve(input: unknown) {
  return resolveConfig(input, opts);
}

/** The ConfigError resolveConfig throws for `input`; fails the test when it throws none. */
function configError(input: unknown): ConfigError {
  try {
    resolve(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Asserts the error names `field` and says `message` about it. */
function expectError(input: unknown, field: string, message?: string | RegExp): void {
  const err = configError(input);
  expect(err.field).toBe(field);
  expect(err.message.startsWith(`${field} `)).toBe(true);
  expect(err.code).toBe('invalid_config');
  expect(err.details).toEqual({ field });
  if (typeof message === 'string') expect(err.message).toBe(`${field} ${message}`);
  else if (message) expect(err.message).toMatch(message);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const oneAgent = { agents: { coder: { run } } };

describe('resolveConfig defaults', () => {
  it('fills in every default for a minimal config', () => {
    const config = resolve(oneAgent);
    expect(config).toMatchObject({
      dataDir: './data',
      persist: true,
      durability: 'write',
      retentionMs: 7 * 24 * 60 * 60 * 1000,
      snapshotEvery: 1000,
      snapshotIntervalMs: 30_000,
      maxAlerts: 1000,
      recoveryStrategies: {},
    });
    expect(config.agents['coder']).toEqual({
      name: 'coder',
      run,
      role: 'coder',
      concurrency: 4,
      timeoutMs: 30_000,
      maxTimeoutMs: 300_000,
      breaker: { failureThreshold: 5, windowMs: 60_000, openMs: 30_000, halfOpenProbes: 1, successThreshold: 1 },
      restart: 'permanent',
      shutdownMs: 5000,
      provider: 'coder',
      significant: false,
    });
    expect(config.taskTypes).toEqual({
      default: {
        name: 'default',
        maxRetries: 1,
        backoff: { initialMs: 2000, factor: 2, maxMs: 60_000, jitter: 'full' },
        recovery: ['retry', 'reassign', 'fallback', 'escalate'],
      },
    });
    expect(config.supervisor).toEqual({
      name: 'root',
      strategy: 'one_for_one',
      maxRestarts: 3,
      withinMs: 5000,
      backoff: { initialMs: 100, factor: 2, maxMs: 30_000, jitter: 'full' },
      resetBackoffAfterMs: 60_000,
      autoShutdown: 'never',
      significant: false,
      children: ['coder'],
    });
    for (const key of ['logger', 'notify', 'classifyError', 'token', 'inspect'] as const) {
      expect(config).not.toHaveProperty(key);
    }
  });

  it('keeps what the caller set and fills the rest of each nested object', () => {
    const config = resolve({
      agents: {
        coder: { run, timeoutMs: 1000, breaker: { halfOpenProbes: 3 }, role: 'dev', fallback: 'reviewer' },
        reviewer: { concurrency: 1, breaker: { halfOpenProbes: 2, successThreshold: 5 }, shutdownMs: 'brutal_kill' },
      },
      taskTypes: { build: { maxRetries: 0, backoff: { jitter: 'none' } } },
      supervisor: { strategy: 'rest_for_one', backoff: { maxMs: 1000 } },
      persist: false,
      maxAlerts: 0,
    });
    expect(config.persist).toBe(false);
    expect(config.maxAlerts).toBe(0);
    const coder = config.agents['coder'];
    expect(coder).toMatchObject({ role: 'dev', timeoutMs: 1000, maxTimeoutMs: 10_000, fallback: 'reviewer' });
    expect(coder?.breaker).toEqual({ ...BREAKER_DEFAULTS, halfOpenProbes: 3, successThreshold: 3 });
    const reviewer = config.agents['reviewer'];
    expect(reviewer).toMatchObject({ role: 'reviewer', concurrency: 1, shutdownMs: 'brutal_kill' });
    expect(reviewer?.run).toBeUndefined();
    expect(reviewer?.breaker.successThreshold).toBe(5);
    expect(config.taskTypes['build']).toEqual({
      name: 'build',
      maxRetries: 0,
      backoff: { ...TASK_BACKOFF_DEFAULTS, jitter: 'none' },
      recovery: [...DEFAULT_RECOVERY],
    });
    expect(config.taskTypes['default']?.maxRetries).toBe(1);
    expect(config.supervisor).toMatchObject({
      strategy: 'rest_for_one',
      backoff: { ...RESTART_BACKOFF_DEFAULTS, maxMs: 1000 },
    });
  });

  it('treats an option set to undefined as absent', () => {
    const config = resolve({ agents: { coder: { run, concurrency: undefined, breaker: { openMs: undefined } } }, dataDir: undefined });
    expect(config.dataDir).toBe(WARDEN_DEFAULTS.dataDir);
    expect(config.agents['coder']?.concurrency).toBe(4);
    expect(config.agents['coder']?.breaker.openMs).toBe(30_000);
  });

  it('caps the default maxTimeoutMs at the longest Node.js timer', () => {
    const config = resolve({ agents: { coder: { timeoutMs: MAX_TIMER_MS } } });
    expect(config.agents['coder']?.maxTimeoutMs).toBe(MAX_TIMER_MS);
  });

  it('passes functions, logger and inspect through by reference', () => {
    const logger = pino({ level: 'silent' });
    const notify = async () => {};
    const classifyError = () => undefined;
    const inspect = { next: () => {} };
    const degrade = () => 'degraded';
    const config = resolve({ ...oneAgent, logger, notify, classifyError, inspect, taskTypes: { default: { degrade } } });
    expect(config.logger).toBe(logger);
    expect(config.notify).toBe(notify);
    expect(config.classifyError).toBe(classifyError);
    expect(config.inspect).toBe(inspect);
    expect(config.taskTypes['default']?.degrade).toBe(degrade);
    expect(config.agents['coder']?.run).toBe(run);
  });

  it('makes custom recovery strategies known, keyed by their name', () => {
    const strategy = { name: 'ask-human', recover: () => undefined };
    const config = resolve({
      ...oneAgent,
      recoveryStrategies: { human: strategy },
      taskTypes: { default: { recovery: ['retry', 'ask-human'] } },
    });
    expect(config.recoveryStrategies).toEqual({ 'ask-human': strategy });
    expect(config.taskTypes['default']?.recovery).toEqual(['retry', 'ask-human']);
  });

  it('keeps agents in declaration order and makes them the root children', () => {
    const config = resolve({ agents: { b: {}, a: {}, c: {} } });
    expect(Object.keys(config.agents)).toEqual(['b', 'a', 'c']);
    expect(config.supervisor.children).toEqual(['b', 'a', 'c']);
  });

  it('resolves a supervision tree and appends agents it leaves out to the root', () => {
    const config = resolve({
      agents: { tools: {}, coder: { run }, reviewer: { run }, extra: { run } },
      supervisor: {
        strategy: 'rest_for_one',
        children: ['tools', { name: 'llm', strategy: 'one_for_all', children: ['coder', 'reviewer'] }],
      },
    });
    const [tools, llm, extra] = config.supervisor.children;
    expect(tools).toBe('tools');
    expect(extra).toBe('extra');
    expect(llm).toEqual({
      name: 'llm',
      strategy: 'one_for_all',
      maxRestarts: 3,
      withinMs: 5000,
      backoff: RESTART_BACKOFF_DEFAULTS,
      resetBackoffAfterMs: 60_000,
      autoShutdown: 'never',
      significant: false,
      children: ['coder', 'reviewer'],
    } satisfies ResolvedSupervisorConfig);
  });
});

describe('resolveConfig leaves the input alone', () => {
  const build = () => ({
    agents: {
      coder: { run, breaker: { failureThreshold: 2 } },
      reviewer: { run, concurrency: 2, fallback: 'coder' },
    },
    supervisor: { children: [{ name: 'llm', children: ['coder', 'reviewer'], backoff: { initialMs: 5 } }] },
    taskTypes: { build: { recovery: ['retry', 'escalate'], backoff: { factor: 3 } } },
    inspect: { next: () => {} },
  });

  it('works on a deep-frozen config', () => {
    const input = deepFreeze(build());
    const config = resolve(input);
    expect(config.agents['coder']?.breaker.failureThreshold).toBe(2);
    expect(config.taskTypes['build']?.backoff.factor).toBe(3);
  });

  it('does not change the caller’s object or share its mutable parts', () => {
    const input = build();
    const before = JSON.stringify(input);
    const config = resolve(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(input.agents.coder).not.toHaveProperty('role');
    expect(input).not.toHaveProperty('taskTypes.default');
    expect(config.taskTypes['build']?.recovery).not.toBe(input.taskTypes.build.recovery);
    expect(config.agents['coder']?.breaker).not.toBe(input.agents.coder.breaker);
    config.taskTypes['build']?.recovery.push('degrade');
    expect(input.taskTypes.build.recovery).toEqual(['retry', 'escalate']);
  });

  it('gives the same result twice', () => {
    const input = build();
    expect(resolve(input)).toEqual(resolve(input));
  });
});

describe('resolveConfig rules', () => {
  it('rejects an input that is not an object', () => {
    for (const input of [undefined, null, 5, 'x', [], () => {}]) expectError(input, 'config', 'must be an object');
  });

  it('throws a WardenError with code invalid_config', () => {
    const err = configError({});
    expect(isWardenError(err)).toBe(true);
    expect(err.name).toBe('ConfigError');
  });

  it('names an unknown top-level key, before anything else, with a hint', () => {
    expectError({ agent: { coder: {} } }, 'agent', 'is not a known option (did you mean "agents"?)');
    expectError({ ...oneAgent, retention: 5 }, 'retention', /did you mean "retentionMs"/);
    expectError({ ...oneAgent, 'weird key': 1 }, '["weird key"]', 'is not a known option');
  });

  it('names an unknown key inside a nested object', () => {
    expectError({ agents: { coder: { timeout: 5 } } }, 'agents.coder.timeout', /did you mean "timeoutMs"/);
    expectError({ agents: { coder: { breaker: { threshold: 5 } } } }, 'agents.coder.breaker.threshold', /not a known option/);
    expectError({ ...oneAgent, supervisor: { stratgy: 'one_for_all' } }, 'supervisor.stratgy', /did you mean "strategy"/);
  });

  it('requires at least one agent', () => {
    expectError({}, 'agents', /^agents must be an object/);
    expectError({ agents: [] }, 'agents', /^agents must be an object/);
    expectError({ agents: {} }, 'agents', 'must configure at least one agent');
  });

  it('checks agent names', () => {
    expectError({ agents: { 'has space': {} } }, 'agents["has space"]', /is not a valid agent name/);
    expectError({ agents: { ['x'.repeat(65)]: {} } }, `agents.${'x'.repeat(65)}`, /is not a valid agent name/);
    expect(() => resolve({ agents: { 'a.b-c_9': {}, ['x'.repeat(64)]: {} } })).not.toThrow();
  });

  it('requires an agent to be an object', () => {
    expectError({ agents: { coder: 5 } }, 'agents.coder', 'must be an object');
  });

  it.each([
    ['concurrency', 0, 'must be a positive integer'],
    ['concurrency', 2.5, 'must be a positive integer'],
    ['timeoutMs', -1, 'must be a positive integer'],
    ['timeoutMs', MAX_TIMER_MS + 1, /must be at most 2147483647/],
    ['maxTimeoutMs', 'soon', 'must be a positive integer'],
    ['heartbeatTimeoutMs', 0, 'must be a positive number'],
    ['heartbeatTimeoutMs', Infinity, 'must be a finite number'],
    ['role', '', 'must be a non-empty string'],
    ['restart', 'sometimes', 'must be one of permanent, transient, temporary'],
    ['shutdownMs', -5, /must be a non-negative number of milliseconds/],
    ['shutdownMs', 'forever', /'brutal_kill' or 'infinity'/],
  ] as const)('checks agents.coder.%s = %s', (key, value, message) => {
    expectError({ agents: { coder: { [key]: value } } }, `agents.coder.${key}`, message);
  });

  it('requires maxTimeoutMs to be at least timeoutMs', () => {
    expectError({ agents: { coder: { maxTimeoutMs: 1000 } } }, 'agents.coder.maxTimeoutMs', 'must be at least timeoutMs (30000)');
    expect(() => resolve({ agents: { coder: { timeoutMs: 1000, maxTimeoutMs: 1000 } } })).not.toThrow();
  });

  it.each(['run', 'start', 'stop'] as const)('requires agents.coder.%s to be a function', (key) => {
    expectError({ agents: { coder: { [key]: 'nope' } } }, `agents.coder.${key}`, 'must be a function');
  });

  it.each([
    ['failureThreshold', 0, 'must be a positive integer'],
    ['halfOpenProbes', 1.5, 'must be a positive integer'],
    ['successThreshold', -1, 'must be a positive integer'],
    ['windowMs', 0, 'must be a positive number'],
    ['openMs', -1, 'must be a non-negative number'],
  ] as const)('checks agents.coder.breaker.%s = %s', (key, value, message) => {
    expectError({ agents: { coder: { breaker: { [key]: value } } } }, `agents.coder.breaker.${key}`, message);
  });

  it('requires breaker to be an object', () => {
    expectError({ agents: { coder: { breaker: 5 } } }, 'agents.coder.breaker', 'must be an object');
  });

  it('requires fallback to name another configured agent', () => {
    expectError({ agents: { coder: { fallback: 'x' } } }, 'agents.coder.fallback', 'names an unknown agent "x"');
    expectError({ agents: { coder: { fallback: 'coder' } } }, 'agents.coder.fallback', /must name another agent/);
    expectError({ agents: { coder: { fallback: 3 } } }, 'agents.coder.fallback', 'must be the name of an agent');
  });

  it('requires each recovery entry to be a known strategy', () => {
    expectError(
      { ...oneAgent, taskTypes: { default: { recovery: ['retry', 'retyr'] } } },
      'taskTypes.default.recovery[1]',
      'names an unknown recovery strategy "retyr" (known: retry, reassign, fallback, degrade, escalate)',
    );
    expectError({ ...oneAgent, taskTypes: { default: { recovery: [7] } } }, 'taskTypes.default.recovery[0]', /must be the name/);
    expectError({ ...oneAgent, taskTypes: { t: { recovery: [] } } }, 'taskTypes.t.recovery', /must list at least one/);
    expectError({ ...oneAgent, taskTypes: { t: { recovery: 'retry' } } }, 'taskTypes.t.recovery', /must be a list/);
  });

  it('checks the rest of a task type', () => {
    expectError({ ...oneAgent, taskTypes: { t: { maxRetries: -1 } } }, 'taskTypes.t.maxRetries', 'must be a non-negative integer');
    expectError({ ...oneAgent, taskTypes: { t: { degrade: 1 } } }, 'taskTypes.t.degrade', 'must be a function');
    expectError({ ...oneAgent, taskTypes: { t: 1 } }, 'taskTypes.t', 'must be an object');
    expectError({ ...oneAgent, taskTypes: [] }, 'taskTypes', /must be an object/);
  });

  it.each([
    ['jitter', 'some', 'must be one of none, full, equal, decorrelated'],
    ['factor', 0.5, 'must be a number of at least 1'],
    ['initialMs', -1, 'must be a non-negative number'],
    ['maxMs', NaN, 'must be a non-negative number'],
  ] as const)('checks backoff.%s = %s', (key, value, message) => {
    expectError({ ...oneAgent, taskTypes: { default: { backoff: { [key]: value } } } }, `taskTypes.default.backoff.${key}`, message);
    expectError({ ...oneAgent, supervisor: { backoff: { [key]: value } } }, `supervisor.backoff.${key}`, message);
  });

  it('requires backoff maxMs >= initialMs, naming the field that was set', () => {
    const tt = (backoff: object) => ({ ...oneAgent, taskTypes: { default: { backoff } } });
    expectError(tt({ initialMs: 500, maxMs: 100 }), 'taskTypes.default.backoff.maxMs', 'must be at least initialMs (500)');
    expectError(tt({ maxMs: 100 }), 'taskTypes.default.backoff.maxMs', 'must be at least initialMs (2000)');
    expectError(tt({ initialMs: 100_000 }), 'taskTypes.default.backoff.initialMs', 'must be at most maxMs (60000)');
    expect(() => resolve(tt({ initialMs: 0, maxMs: 0 }))).not.toThrow();
  });

  it('checks the supervisor', () => {
    const sup = (supervisor: unknown) => ({ ...oneAgent, supervisor });
    expectError(sup({ strategy: 'one_for_none' }), 'supervisor.strategy', 'must be one of one_for_one, one_for_all, rest_for_one');
    expectError(sup({ maxRestarts: 1.5 }), 'supervisor.maxRestarts', 'must be a non-negative integer');
    expectError(sup({ withinMs: 0 }), 'supervisor.withinMs', 'must be a positive number');
    expectError(sup({ resetBackoffAfterMs: -1 }), 'supervisor.resetBackoffAfterMs', 'must be a non-negative number');
    expectError(sup('x'), 'supervisor', 'must be an object');
  });

  it('checks supervisor children', () => {
    const tree = (children: unknown) => ({ agents: { a: {}, b: {} }, supervisor: { children } });
    expectError(tree('a'), 'supervisor.children', /must be a list/);
    expectError(tree(['a', 'nobody']), 'supervisor.children[1]', 'names an unknown agent "nobody"');
    expectError(tree(['a', 'a']), 'supervisor.children[1]', 'lists agent "a" a second time');
    expectError(tree([{ name: 'n', children: ['a'] }, 'a']), 'supervisor.children[1]', 'lists agent "a" a second time');
    expectError(tree([5]), 'supervisor.children[0]', /must be an agent name or a nested supervisor/);
    expectError(tree([{ children: ['a'] }]), 'supervisor.children[0].name', /must be a supervisor name/);
    expectError(tree([{ name: 'n' }]), 'supervisor.children[0].children', /must be a list/);
    expectError(tree([{ name: 'n', children: [] }]), 'supervisor.children[0].children', 'must list at least one child');
    expectError(tree([{ name: 'n', children: ['zz'] }]), 'supervisor.children[0].children[0]', 'names an unknown agent "zz"');
    expectError(tree([{ name: 'a', children: ['b'] }]), 'supervisor.children[0].name', '"a" is already the name of an agent');
    expectError(tree([{ name: 'root', children: ['b'] }]), 'supervisor.children[0].name', /reserved for the root/);
    expectError(
      tree([{ name: 'n', children: ['a'] }, { name: 'n', children: ['b'] }]),
      'supervisor.children[1].name',
      '"n" is already the name of another supervisor',
    );
    expectError(
      tree([{ name: 'n', children: [{ name: 'm', children: ['a'], strategy: 'x' }] }]),
      'supervisor.children[0].children[0].strategy',
      /must be one of/,
    );
    expectError(tree([{ name: 'n', children: ['a'], extra: 1 }]), 'supervisor.children[0].extra', /not a known option/);
  });

  it('checks custom recovery strategies', () => {
    const rs = (recoveryStrategies: unknown) => ({ ...oneAgent, recoveryStrategies });
    expectError(rs({ x: { name: 'x' } }), 'recoveryStrategies.x.recover', 'must be a function');
    expectError(rs({ x: { recover: () => 1 } }), 'recoveryStrategies.x.name', 'must be a non-empty string');
    expectError(rs({ x: 5 }), 'recoveryStrategies.x', /must be an object with a name and a recover function/);
    expectError(
      rs({ x: { name: 's', recover: () => 1 }, y: { name: 's', recover: () => 1 } }),
      'recoveryStrategies.y.name',
      /already the name of recoveryStrategies.x/,
    );
  });

  it('requires the logger to look like a pino logger', () => {
    expectError({ ...oneAgent, logger: console }, 'logger', /must be a pino logger/);
    expectError({ ...oneAgent, logger: {} }, 'logger', /must be a pino logger/);
    expect(() => resolve({ ...oneAgent, logger: pino({ level: 'silent' }) })).not.toThrow();
  });

  it.each(['notify', 'classifyError'] as const)('requires %s to be a function', (key) => {
    expectError({ ...oneAgent, [key]: {} }, key, 'must be a function');
  });

  it('checks the remaining top-level options', () => {
    expectError({ ...oneAgent, dataDir: '' }, 'dataDir', 'must be a non-empty string');
    expectError({ ...oneAgent, persist: 'yes' }, 'persist', 'must be true or false');
    expectError({ ...oneAgent, durability: 'disk' }, 'durability', 'must be one of fsync, write, memory');
    expectError({ ...oneAgent, token: 5 }, 'token', 'must be a non-empty string');
    expectError({ ...oneAgent, snapshotEvery: 0 }, 'snapshotEvery', 'must be a positive integer');
    expectError({ ...oneAgent, snapshotIntervalMs: 0 }, 'snapshotIntervalMs', 'must be a positive number');
    expectError({ ...oneAgent, retentionMs: Infinity }, 'retentionMs', 'must be a finite number');
    expectError({ ...oneAgent, maxAlerts: -1 }, 'maxAlerts', 'must be a non-negative integer');
  });

  it('reports the first wrong field in declaration order', () => {
    expectError({ agents: { a: { concurrency: 0 }, b: { concurrency: -1 } } }, 'agents.a.concurrency');
    expectError({ agents: { a: { timeoutMs: 0, concurrency: 0 } } }, 'agents.a.concurrency');
    expectError({ agents: { a: {} }, dataDir: 5, maxAlerts: -1 }, 'dataDir');
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: breaking any one numeric field names exactly that field
// ---------------------------------------------------------------------------------------------------

type Kind = 'positiveInt' | 'nonNegativeInt' | 'positive' | 'nonNegative' | 'factor';
type Path = readonly (string | number)[];

/** Every numeric field of {@link fullConfig}, with what it accepts. */
const NUMERIC_FIELDS: readonly (readonly [Path, Kind])[] = [
  [['agents', 'coder', 'concurrency'], 'positiveInt'],
  [['agents', 'coder', 'timeoutMs'], 'positiveInt'],
  [['agents', 'coder', 'maxTimeoutMs'], 'positiveInt'],
  [['agents', 'coder', 'heartbeatTimeoutMs'], 'positive'],
  [['agents', 'coder', 'shutdownMs'], 'nonNegative'],
  [['agents', 'coder', 'breaker', 'failureThreshold'], 'positiveInt'],
  [['agents', 'coder', 'breaker', 'windowMs'], 'positive'],
  [['agents', 'coder', 'breaker', 'openMs'], 'nonNegative'],
  [['agents', 'coder', 'breaker', 'halfOpenProbes'], 'positiveInt'],
  [['agents', 'coder', 'breaker', 'successThreshold'], 'positiveInt'],
  [['agents', 'reviewer', 'concurrency'], 'positiveInt'],
  [['taskTypes', 'default', 'maxRetries'], 'nonNegativeInt'],
  [['taskTypes', 'default', 'backoff', 'initialMs'], 'nonNegative'],
  [['taskTypes', 'default', 'backoff', 'factor'], 'factor'],
  [['taskTypes', 'default', 'backoff', 'maxMs'], 'nonNegative'],
  [['taskTypes', 'build', 'maxRetries'], 'nonNegativeInt'],
  [['supervisor', 'maxRestarts'], 'nonNegativeInt'],
  [['supervisor', 'withinMs'], 'positive'],
  [['supervisor', 'resetBackoffAfterMs'], 'nonNegative'],
  [['supervisor', 'backoff', 'initialMs'], 'nonNegative'],
  [['supervisor', 'backoff', 'factor'], 'factor'],
  [['supervisor', 'backoff', 'maxMs'], 'nonNegative'],
  [['supervisor', 'children', 1, 'maxRestarts'], 'nonNegativeInt'],
  [['supervisor', 'children', 1, 'withinMs'], 'positive'],
  [['supervisor', 'children', 1, 'backoff', 'maxMs'], 'nonNegative'],
  [['retentionMs'], 'nonNegative'],
  [['snapshotEvery'], 'positiveInt'],
  [['snapshotIntervalMs'], 'positive'],
  [['maxAlerts'], 'nonNegativeInt'],
];

function fullConfig() {
  return {
    dataDir: '/tmp/warden-test',
    agents: {
      coder: {
        run,
        concurrency: 2,
        timeoutMs: 1000,
        maxTimeoutMs: 8000,
        heartbeatTimeoutMs: 500,
        shutdownMs: 1000,
        breaker: { failureThreshold: 3, windowMs: 10_000, openMs: 1000, halfOpenProbes: 2, successThreshold: 2 },
        fallback: 'reviewer',
      },
      reviewer: { run, concurrency: 1 },
    },
    taskTypes: {
      default: { maxRetries: 2, backoff: { initialMs: 10, factor: 2, maxMs: 1000, jitter: 'none' } },
      build: { maxRetries: 0, recovery: ['retry', 'escalate'] },
    },
    supervisor: {
      maxRestarts: 5,
      withinMs: 1000,
      resetBackoffAfterMs: 10_000,
      backoff: { initialMs: 10, factor: 1.5, maxMs: 500, jitter: 'equal' },
      children: ['coder', { name: 'inner', maxRestarts: 1, withinMs: 100, backoff: { maxMs: 200 }, children: ['reviewer'] }],
    },
    retentionMs: 60_000,
    snapshotEvery: 100,
    snapshotIntervalMs: 5000,
    maxAlerts: 10,
  };
}

function setPath(target: unknown, path: Path, value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = Reflect.get(node as object, key);
  Reflect.set(node as object, path[path.length - 1] as string | number, value);
}

function pathString(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const notNumbers = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, null, true, '5', '', [], {}),
  fc.string().map((s) => `${s}x`),
);
const negative = fc.double({ max: -Number.MIN_VALUE, noNaN: true });
const fraction = fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n));

function badValue(kind: Kind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'positiveInt':
      return fc.oneof(notNumbers, negative, fc.constant(0), fraction);
    case 'nonNegativeInt':
      return fc.oneof(notNumbers, negative, fraction);
    case 'positive':
      return fc.oneof(notNumbers, negative, fc.constant(0));
    case 'nonNegative':
      return fc.oneof(notNumbers, negative);
    case 'factor':
      return fc.oneof(notNumbers, negative, fc.double({ min: 0, max: 0.999, noNaN: true }));
  }
}

describe('resolveConfig property', () => {
  it('accepts the full config the property mutates', () => {
    expect(() => resolve(deepFreeze(fullConfig()))).not.toThrow();
  });

  it('names exactly the one numeric field that was given a bad value', () => {
    const mutation = fc
      .constantFrom(...NUMERIC_FIELDS)
      .chain(([path, kind]) => fc.tuple(fc.constant(path), badValue(kind)));
    fc.assert(
      fc.property(mutation, ([path, value]) => {
        const input = fullConfig();
        setPath(input, path, value);
        const err = configError(deepFreeze(input));
        expect(err.field).toBe(pathString(path));
        expect(err.message.startsWith(`${pathString(path)} must `)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
