import { describe, expect, it } from 'vitest';
import { degradeStrategy } from '../../src/policy/strategies/degrade.ts';
import { escalateStrategy } from '../../src/policy/strategies/escalate.ts';
import { fallbackStrategy } from '../../src/policy/strategies/fallback.ts';
import { reassignStrategy } from '../../src/policy/strategies/reassign.ts';
import { retryStrategy } from '../../src/policy/strategies/retry.ts';
import { isAvailable } from '../../src/policy/strategies/available.ts';
import type { AgentInfo } from '../../src/policy/recovery.ts';
import { agent, context, ERROR, NO_RETRY, task } from './fixtures.ts';

const OPEN = { circuit: 'OPEN' } as const;

describe('isAvailable', () => {
  it.each([
    [{}, true],
    [{ circuit: 'HALF_OPEN' }, true],
    [{ lifecycle: 'STARTING' }, true],
    [{ lifecycle: 'RESTARTING' }, true],
    [{ circuit: 'OPEN' }, false],
    [{ lifecycle: 'STOPPED' }, false],
    [{ lifecycle: 'ESCALATED' }, false],
  ] as [Partial<AgentInfo>, boolean][])('%j → %s', (over, expected) => {
    expect(isAvailable(agent('x', over))).toBe(expected);
  });

  it('an unknown agent is not available', () => {
    expect(isAvailable(undefined)).toBe(false);
  });
});

describe('retry strategy', () => {
  it('retries on the same agent with the delay of the per-kind rule', async () => {
    const ctx = context([agent('a'), agent('b')]);
    expect(await retryStrategy.recover(task(), ERROR, ctx)).toEqual({ action: 'retry', agent: 'a', delayMs: 250, strategy: 'retry' });
  });

  it('carries the doubled timeout', async () => {
    const ctx = context([agent('a')], { retry: { retry: true, delayMs: 10, timeoutMs: 60_000 } });
    expect(await retryStrategy.recover(task(), ERROR, ctx)).toEqual({
      action: 'retry', agent: 'a', delayMs: 10, timeoutMs: 60_000, strategy: 'retry',
    });
  });

  it('declines when the rule says no retry', async () => {
    expect(await retryStrategy.recover(task(), ERROR, context([agent('a')], { retry: NO_RETRY }))).toBeUndefined();
  });

  it('declines when its agent is unavailable and a peer could take over', async () => {
    expect(await retryStrategy.recover(task(), ERROR, context([agent('a', OPEN), agent('b')]))).toBeUndefined();
  });

  it('declines when its agent is unavailable and the fallback could take over', async () => {
    const ctx = context([agent('a', { ...OPEN, fallback: 'z' }), agent('z', { role: 'other' })]);
    expect(await retryStrategy.recover(task(), ERROR, ctx)).toBeUndefined();
  });

  it('waits for its own agent behind an open circuit when nobody else can take the task', async () => {
    const ctx = context([
      agent('a', { ...OPEN, fallback: 'z' }),
      agent('b', OPEN),
      agent('c', { lifecycle: 'STOPPED' }),
      agent('z', { role: 'other', lifecycle: 'ESCALATED' }),
    ]);
    expect(await retryStrategy.recover(task(), ERROR, ctx)).toMatchObject({ action: 'retry', agent: 'a' });
  });

  it('retries on its available agent even when peers are available too', async () => {
    const ctx = context([agent('a'), agent('b')]);
    expect(await retryStrategy.recover(task(), ERROR, ctx)).toMatchObject({ action: 'retry', agent: 'a' });
  });
});

describe('reassign strategy', () => {
  it('moves the task to the first available peer, in config order', async () => {
    const ctx = context([agent('a'), agent('b', OPEN), agent('c'), agent('d')]);
    expect(await reassignStrategy.recover(task(), ERROR, ctx)).toEqual({ action: 'retry', agent: 'c', delayMs: 250, strategy: 'reassign' });
  });

  it('ignores agents of another role', async () => {
    const ctx = context([agent('a'), agent('x', { role: 'reviewer' })]);
    expect(await reassignStrategy.recover(task(), ERROR, ctx)).toBeUndefined();
  });

  it('never reassigns to the same agent, even if peers() lists it', async () => {
    const ctx = { ...context([agent('a')]), peers: () => ['a'] };
    expect(await reassignStrategy.recover(task(), ERROR, ctx)).toBeUndefined();
  });

  it('declines when no peer is available', async () => {
    const ctx = context([agent('a'), agent('b', { lifecycle: 'STOPPED' })]);
    expect(await reassignStrategy.recover(task(), ERROR, ctx)).toBeUndefined();
  });

  it('declines when the rule says no retry', async () => {
    expect(await reassignStrategy.recover(task(), ERROR, context([agent('a'), agent('b')], { retry: NO_RETRY }))).toBeUndefined();
  });

  it('carries the timeout of the rule', async () => {
    const ctx = context([agent('a'), agent('b')], { retry: { retry: true, delayMs: 0, timeoutMs: 500 } });
    expect(await reassignStrategy.recover(task(), ERROR, ctx)).toEqual({ action: 'retry', agent: 'b', delayMs: 0, timeoutMs: 500, strategy: 'reassign' });
  });
});

describe('fallback strategy', () => {
  const world = (fallbackOver: Partial<AgentInfo> = {}): AgentInfo[] => [
    agent('a', { fallback: 'z' }),
    agent('z', { role: 'other', ...fallbackOver }),
  ];

  it('moves the task to the configured fallback agent', async () => {
    expect(await fallbackStrategy.recover(task(), ERROR, context(world()))).toEqual({
      action: 'retry', agent: 'z', delayMs: 250, strategy: 'fallback',
    });
  });

  it.each([[{ circuit: 'OPEN' }], [{ lifecycle: 'STOPPED' }], [{ lifecycle: 'ESCALATED' }]] as [Partial<AgentInfo>][])(
    'declines when the fallback is unavailable (%j)',
    async (over) => {
      expect(await fallbackStrategy.recover(task(), ERROR, context(world(over)))).toBeUndefined();
    },
  );

  it('declines without a fallback, with an unknown fallback, or with itself as fallback', async () => {
    expect(await fallbackStrategy.recover(task(), ERROR, context([agent('a')]))).toBeUndefined();
    expect(await fallbackStrategy.recover(task(), ERROR, context([agent('a', { fallback: 'ghost' })]))).toBeUndefined();
    expect(await fallbackStrategy.recover(task(), ERROR, context([agent('a', { fallback: 'a' })]))).toBeUndefined();
  });

  it('declines when the rule says no retry', async () => {
    expect(await fallbackStrategy.recover(task(), ERROR, context(world(), { retry: NO_RETRY }))).toBeUndefined();
  });

  it('uses the fallback of the task’s current agent', async () => {
    const agents = [agent('a', { fallback: 'z' }), agent('b', { fallback: 'y' }), agent('y'), agent('z')];
    expect(await fallbackStrategy.recover(task({ agent: 'b' }), ERROR, context(agents))).toMatchObject({ agent: 'y' });
  });
});

describe('degrade strategy', () => {
  it('returns the degraded output, given the task and the error', async () => {
    const seen: unknown[] = [];
    const ctx = context([agent('a')], {
      retry: NO_RETRY,
      degrade: (t, e) => { seen.push(t.id, e.kind); return { cached: true }; },
    });
    expect(await degradeStrategy.recover(task(), ERROR, ctx)).toEqual({ action: 'degrade', output: { cached: true }, strategy: 'degrade' });
    expect(seen).toEqual(['t1', 'server']);
  });

  it('awaits an async degrade function', async () => {
    const ctx = context([agent('a')], { degrade: async () => 'later' });
    expect(await degradeStrategy.recover(task(), ERROR, ctx)).toMatchObject({ output: 'later' });
  });

  it('an undefined output is still a degraded result', async () => {
    const ctx = context([agent('a')], { degrade: () => undefined });
    expect(await degradeStrategy.recover(task(), ERROR, ctx)).toEqual({ action: 'degrade', output: undefined, strategy: 'degrade' });
  });

  it('declines without a degrade function', async () => {
    expect(await degradeStrategy.recover(task(), ERROR, context([agent('a')]))).toBeUndefined();
  });

  it('declines when degrade throws or rejects', async () => {
    const throws = context([agent('a')], { degrade: () => { throw new Error('no cache'); } });
    const rejects = context([agent('a')], { degrade: () => Promise.reject(new Error('no cache')) });
    expect(await degradeStrategy.recover(task(), ERROR, throws)).toBeUndefined();
    expect(await degradeStrategy.recover(task(), ERROR, rejects)).toBeUndefined();
  });
});

describe('escalate strategy', () => {
  it('always escalates, with the rule’s reason when not retryable', async () => {
    expect(await escalateStrategy.recover(task(), ERROR, context([agent('a')], { retry: NO_RETRY }))).toEqual({
      action: 'escalate', reason: 'auth errors are never retried', strategy: 'escalate',
    });
  });

  it('escalates a retryable failure too, naming its kind', async () => {
    const decision = await escalateStrategy.recover(task(), ERROR, context([agent('a')]));
    expect(decision).toMatchObject({ action: 'escalate', strategy: 'escalate' });
    expect(decision?.action === 'escalate' && decision.reason).toContain('server');
  });
});
