import { describe, expect, it, vi } from 'vitest';
import {
  BUILTIN_STRATEGIES,
  createRecoveryRegistry,
  isDecision,
  runRecovery,
  type Decision,
  type RecoveryStrategy,
} from '../../src/policy/recovery.ts';
import { isWardenError } from '../../src/errors.ts';
import { agent, context, ERROR, NO_RETRY, task } from './fixtures.ts';

const fixed = (name: string, decision: Decision | undefined): RecoveryStrategy => ({ name, recover: () => decision });
const escalation = (reason: string): Decision => ({ action: 'escalate', reason, strategy: 'x' });

describe('registry', () => {
  it('holds the five built-ins under their names', () => {
    expect(Object.keys(BUILTIN_STRATEGIES).sort()).toEqual(['degrade', 'escalate', 'fallback', 'reassign', 'retry']);
    for (const [name, strategy] of Object.entries(BUILTIN_STRATEGIES)) expect(strategy.name).toBe(name);
    const registry = createRecoveryRegistry();
    expect([...registry.keys()].sort()).toEqual(['degrade', 'escalate', 'fallback', 'reassign', 'retry']);
  });

  it('adds custom strategies and lets them replace a built-in', () => {
    const mine = fixed('retry', undefined);
    const extra = fixed('page-oncall', undefined);
    const registry = createRecoveryRegistry({ retry: mine, 'page-oncall': extra });
    expect(registry.get('retry')).toBe(mine);
    expect(registry.get('page-oncall')).toBe(extra);
    expect(registry.get('escalate')).toBe(BUILTIN_STRATEGIES.escalate);
    expect(BUILTIN_STRATEGIES.retry).not.toBe(mine); // the built-ins are not changed
  });

  it('rejects a custom strategy without recover()', () => {
    const broken = { name: 'broken' } as unknown as RecoveryStrategy;
    let thrown: unknown;
    try { createRecoveryRegistry({ broken }); } catch (err) { thrown = err; }
    expect(isWardenError(thrown)).toBe(true);
    expect(String(thrown)).toMatch(/broken/);
  });

  it('the built-in table cannot be changed', () => {
    expect(Object.isFrozen(BUILTIN_STRATEGIES)).toBe(true);
  });
});

describe('runRecovery', () => {
  it('the first strategy that decides wins; the rest are not asked', async () => {
    const later = vi.fn(() => escalation('later'));
    const registry = new Map<string, RecoveryStrategy>([
      ['pass', fixed('pass', undefined)],
      ['win', fixed('win', escalation('first'))],
      ['later', { name: 'later', recover: later }],
    ]);
    expect(await runRecovery(['pass', 'win', 'later'], registry, task(), ERROR, context([agent('a')]))).toEqual({
      action: 'escalate', reason: 'first', strategy: 'win',
    });
    expect(later).not.toHaveBeenCalled();
  });

  it('follows the chain order, not the registry order', async () => {
    const registry = new Map<string, RecoveryStrategy>([
      ['one', fixed('one', escalation('one'))],
      ['two', fixed('two', escalation('two'))],
    ]);
    expect(await runRecovery(['two', 'one'], registry, task(), ERROR, context([agent('a')]))).toMatchObject({ reason: 'two' });
  });

  it('awaits async strategies', async () => {
    const registry = new Map<string, RecoveryStrategy>([
      ['slow', { name: 'slow', recover: async () => { await new Promise((r) => setTimeout(r, 1)); return escalation('slow'); } }],
    ]);
    expect(await runRecovery(['slow'], registry, task(), ERROR, context([agent('a')]))).toMatchObject({ reason: 'slow' });
  });

  it('skips a strategy that throws or rejects and reports it', async () => {
    const boom = new Error('boom');
    const registry = new Map<string, RecoveryStrategy>([
      ['throws', { name: 'throws', recover: () => { throw boom; } }],
      ['rejects', { name: 'rejects', recover: () => Promise.reject(boom) }],
      ['ok', fixed('ok', escalation('ok'))],
    ]);
    const report = vi.fn();
    const decision = await runRecovery(['throws', 'rejects', 'ok'], registry, task(), ERROR, context([agent('a')]), report);
    expect(decision).toMatchObject({ reason: 'ok', strategy: 'ok' });
    expect(report.mock.calls).toEqual([['throws', boom], ['rejects', boom]]);
  });

  it('skips and reports an unknown strategy name', async () => {
    const report = vi.fn();
    const decision = await runRecovery(['nope', 'escalate'], createRecoveryRegistry(), task(), ERROR, context([agent('a')]), report);
    expect(decision.strategy).toBe('escalate');
    expect(report).toHaveBeenCalledOnce();
    expect(report.mock.calls[0]?.[0]).toBe('nope');
    expect(String(report.mock.calls[0]?.[1])).toMatch(/unknown recovery strategy "nope"/);
  });

  it('skips and reports a strategy that returns something that is not a Decision', async () => {
    const garbage = { name: 'garbage', recover: () => ({ action: 'retry', agent: 'a', delayMs: -1 }) } as unknown as RecoveryStrategy;
    const report = vi.fn();
    const registry = createRecoveryRegistry({ garbage });
    const decision = await runRecovery(['garbage', 'escalate'], registry, task(), ERROR, context([agent('a')]), report);
    expect(decision.strategy).toBe('escalate');
    expect(report).toHaveBeenCalledWith('garbage', expect.any(Error));
  });

  it('a throwing error listener does not change the outcome', async () => {
    const throws: RecoveryStrategy = { name: 'throws', recover: () => { throw new Error('x'); } };
    const listener = (): never => { throw new Error('listener'); };
    const registry = createRecoveryRegistry({ throws });
    const decision = await runRecovery(['throws', 'escalate'], registry, task(), ERROR, context([agent('a')]), listener);
    expect(decision.strategy).toBe('escalate');
  });

  it('escalates when no strategy decides, with the rule’s reason when not retryable', async () => {
    const registry = createRecoveryRegistry();
    const notRetryable = await runRecovery(['retry', 'reassign', 'fallback'], registry, task(), ERROR, context([agent('a'), agent('b')], { retry: NO_RETRY }));
    expect(notRetryable.action).toBe('escalate');
    expect(notRetryable.action === 'escalate' && notRetryable.reason).toContain('auth errors are never retried');
    const empty = await runRecovery([], registry, task(), ERROR, context([agent('a')]));
    expect(empty).toMatchObject({ action: 'escalate', strategy: 'none' });
  });

  it('stamps the decision with the name the chain used', async () => {
    const registry = createRecoveryRegistry({ 'my-escalate': BUILTIN_STRATEGIES.escalate! });
    const decision = await runRecovery(['my-escalate'], registry, task(), ERROR, context([agent('a')]));
    expect(decision.strategy).toBe('my-escalate');
  });

  it('a custom strategy plugs in without touching the engine', async () => {
    const custom: RecoveryStrategy = {
      name: 'nightly',
      recover: (t, e) => (e.kind === 'server' ? { action: 'retry', agent: t.agent, delayMs: 3_600_000, strategy: 'nightly' } : undefined),
    };
    const registry = createRecoveryRegistry({ nightly: custom });
    expect(await runRecovery(['nightly', 'escalate'], registry, task(), ERROR, context([agent('a')]))).toEqual({
      action: 'retry', agent: 'a', delayMs: 3_600_000, strategy: 'nightly',
    });
  });

  describe('the default chain retry → reassign → fallback → escalate', () => {
    const chain = ['retry', 'reassign', 'fallback', 'escalate'];
    const run = (agents: Parameters<typeof context>[0], over: Parameters<typeof context>[1] = {}) =>
      runRecovery(chain, createRecoveryRegistry(), task(), ERROR, context(agents, over));

    it('retries on the healthy agent', async () => {
      expect(await run([agent('a'), agent('b')])).toMatchObject({ action: 'retry', agent: 'a', strategy: 'retry' });
    });

    it('reassigns away from an open circuit', async () => {
      expect(await run([agent('a', { circuit: 'OPEN' }), agent('b')])).toMatchObject({ action: 'retry', agent: 'b', strategy: 'reassign' });
    });

    it('falls back when no peer is available', async () => {
      const agents = [agent('a', { circuit: 'OPEN', fallback: 'z' }), agent('b', { circuit: 'OPEN' }), agent('z', { role: 'other' })];
      expect(await run(agents)).toMatchObject({ action: 'retry', agent: 'z', strategy: 'fallback' });
    });

    it('waits behind the open circuit when nobody can take over', async () => {
      expect(await run([agent('a', { circuit: 'OPEN' })])).toMatchObject({ action: 'retry', agent: 'a', strategy: 'retry' });
    });

    it('escalates a non-retryable failure', async () => {
      expect(await run([agent('a'), agent('b')], { retry: NO_RETRY })).toEqual({
        action: 'escalate', reason: 'auth errors are never retried', strategy: 'escalate',
      });
    });

    it('degrade before escalate turns a non-retryable failure into a degraded result', async () => {
      const decision = await runRecovery([...chain.slice(0, 3), 'degrade', 'escalate'], createRecoveryRegistry(), task(), ERROR,
        context([agent('a')], { retry: NO_RETRY, degrade: () => 'stale' }));
      expect(decision).toEqual({ action: 'degrade', output: 'stale', strategy: 'degrade' });
    });
  });
});

describe('isDecision', () => {
  it.each([
    [{ action: 'retry', agent: 'a', delayMs: 0, strategy: 's' }, true],
    [{ action: 'retry', agent: 'a', delayMs: 5, timeoutMs: 10, strategy: 's' }, true],
    [{ action: 'degrade', output: null, strategy: 's' }, true],
    [{ action: 'escalate', reason: 'r', strategy: 's' }, true],
    [{ action: 'retry', agent: 'a', delayMs: NaN }, false],
    [{ action: 'retry', agent: 'a', delayMs: 1, timeoutMs: -1 }, false],
    [{ action: 'retry', delayMs: 1 }, false],
    [{ action: 'degrade' }, false],
    [{ action: 'escalate' }, false],
    [{ action: 'explode' }, false],
    [null, false],
    ['retry', false],
  ])('%j → %s', (value, expected) => {
    expect(isDecision(value)).toBe(expected);
  });
});
