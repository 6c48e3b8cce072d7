// Provider gates as the runtime carries them out: a 429 with Retry-After from one agent closes its
// provider's gate for every agent of it, tasks wait in ASSIGNED without spending attempts, the gate
// opens by itself at the deadline (on the injected clock) or when an operator opens it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunContext, TaskInfo } from '../../src/index.ts';
import type { TransitionRecord } from '../../src/types.ts';
import { fullBucket, msUntil, take, type Bucket } from '../../src/policy/token-bucket.ts';
import { advance, flush, httpError, rejectionCode, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

const quick = { initialMs: 10, factor: 1, maxMs: 10, jitter: 'none' as const };

function counting(fail?: (n: number) => Error | undefined) {
  const calls: number[] = [];
  const run = (_t: TaskInfo, _ctx: RunContext) => {
    calls.push(Date.now());
    const err = fail?.(calls.length);
    if (err) throw err;
    return 'ok';
  };
  return { calls, run };
}

describe('provider gate', () => {
  it("a 429 with Retry-After closes the gate for every agent of the provider; they wait in ASSIGNED; it opens by itself", async () => {
    const a = counting((n) => (n === 1 ? httpError(429, { headers: { 'retry-after': '30' } }) : undefined));
    const b = counting();
    const w = await startWarden({
      agents: { coder: { run: a.run, provider: 'openai' }, reviewer: { run: b.run, provider: 'openai' }, other: { run: () => 'ok' } },
      taskTypes: { default: { maxRetries: 2, backoff: quick } },
    });
    const records: TransitionRecord[] = [];
    w.on('transition', (r) => r.kind === 'provider' && records.push(r));
    expect(w.providers().map((p) => [p.provider, p.gate, p.agents])).toEqual([
      ['openai', 'OPEN', ['coder', 'reviewer']],
      ['other', 'OPEN', ['other']],
    ]);
    const first = await w.submit({ agent: 'coder' });
    await flush();
    const closedAt = Date.now();
    expect(w.providers()[0]).toMatchObject({ gate: 'CLOSED', closedUntil: new Date(closedAt + 30_000).toISOString() });
    expect(records).toEqual([
      expect.objectContaining({ kind: 'provider', id: 'openai', from: 'OPEN', to: 'CLOSED', event: 'CLOSE', agent: 'coder', closedUntil: closedAt + 30_000 }),
    ]);
    expect(w.health().status).toBe('degraded');
    expect(w.alerts()[0]).toMatchObject({ level: 'WARNING', component: 'provider:openai' });

    const second = await w.submit({ agent: 'reviewer' });
    const elsewhere = await w.submit({ agent: 'other' });
    await advance(29_999);
    expect(b.calls).toHaveLength(0);
    expect(a.calls).toHaveLength(1);
    expect(w.get(second.id)).toMatchObject({ status: 'ASSIGNED', attempts: 0 });
    // The task that got the 429 waits out the same Retry-After, and is not called early.
    expect(w.get(first.id)?.status).toBe('RETRY_WAIT');
    expect(w.get(elsewhere.id)?.status).toBe('SUCCEEDED');

    await advance(1);
    await flush();
    expect(w.providers()[0]?.gate).toBe('OPEN');
    expect(records.at(-1)).toMatchObject({ from: 'CLOSED', to: 'OPEN', event: 'TIMER' });
    expect(w.get(second.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(w.get(first.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('a later 429 extends the closing, an earlier one does not; an operator may open it early (by and reason in the record)', async () => {
    const retryAfter = [10, 60, 5];
    const a = counting((n) => (n <= 3 ? httpError(429, { headers: { 'retry-after': String(retryAfter[n - 1]) } }) : undefined));
    // Answers a turn later, so all three are admitted before the first 429 comes back.
    const later = async (t: TaskInfo, ctx: RunContext) => {
      await Promise.resolve();
      return a.run(t, ctx);
    };
    const w = await startWarden({ agents: { coder: { run: later, concurrency: 3 } }, taskTypes: { default: { maxRetries: 0 } } });
    await Promise.all([0, 1, 2].map(() => w.submit({ agent: 'coder' })));
    await flush();
    // All three were admitted before the first failure closed the gate: the latest deadline wins.
    expect(a.calls).toHaveLength(3);
    expect(w.providers()[0]?.closedUntil).toBe(new Date(Date.now() + 60_000).toISOString());
    const closes = w.replay(0).filter((r) => r.kind === 'provider');
    expect(closes.map((r) => r.to)).toEqual(['CLOSED']);

    expect(await rejectionCode(Promise.resolve().then(() => w.openGate('nope')))).toBe('not_found');
    const waiting = await w.submit({ agent: 'coder' });
    await advance(1_000);
    expect(w.get(waiting.id)?.status).toBe('ASSIGNED');
    const opened = w.openGate('coder', { reason: 'provider says fixed' });
    expect(opened.gate).toBe('OPEN');
    await flush();
    expect(w.get(waiting.id)?.status).toBe('SUCCEEDED');
    expect(w.replay(0).filter((r) => r.kind === 'provider').at(-1)).toMatchObject({ to: 'OPEN', event: 'OPEN', by: 'library', reason: 'provider says fixed' });
    expect(await rejectionCode(Promise.resolve().then(() => w.openGate('coder')))).toBe('invalid_transition');
  });
});

describe('provider limits', () => {
  it('requestsPerMinute is shared by the provider agents: no more starts than the rate allows', async () => {
    const a = counting();
    const b = counting();
    const w = await startWarden({
      agents: { a: { run: a.run, provider: 'p' }, b: { run: b.run, provider: 'p' } },
      providers: { p: { requestsPerMinute: 6 } },
    });
    for (let i = 0; i < 10; i++) await w.submit({ agent: i % 2 === 0 ? 'a' : 'b' });
    await flush();
    expect(a.calls.length + b.calls.length).toBe(6);
    // One more token every 10 s.
    await advance(10_000);
    expect(a.calls.length + b.calls.length).toBe(7);
    await advance(30_000);
    expect(a.calls.length + b.calls.length).toBe(10);
    expect(w.providers()[0]).toMatchObject({ provider: 'p', limits: { requestsPerMinute: 6 } });
  });

  it('concurrency is shared across agents; tokensPerMinute holds calls once reported tokens used it up', async () => {
    const held: Array<() => void> = [];
    const run = (_t: TaskInfo, ctx: RunContext) =>
      new Promise((resolve) => {
        ctx.reportUsage({ tokens: 600 });
        held.push(() => resolve('ok'));
      });
    const w = await startWarden({
      agents: { a: { run, provider: 'p' }, b: { run, provider: 'p' } },
      providers: { p: { concurrency: 1, tokensPerMinute: 1000 } },
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await w.submit({ agent: i % 2 === 0 ? 'a' : 'b' })).id);
    await flush();
    expect(held).toHaveLength(1);
    expect(w.providers()[0]?.inFlight).toBe(1);
    held[0]?.();
    await flush();
    // The slot is free, and 400 tokens are left: the next one starts (on the other agent).
    expect(held).toHaveLength(2);
    held[1]?.();
    await flush();
    // 1000 - 1200 < 0: the bucket owes 200 tokens, paid back in 12 s.
    expect(held).toHaveLength(2);
    await advance(12_001);
    expect(held).toHaveLength(3);
  });
});

describe('property: a token bucket never admits more than its rate', () => {
  it('over any window, admitted <= capacity + rate × window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }), (rate, gaps) => {
        let b: Bucket = fullBucket(rate, 0);
        let t = 0;
        const admitted: number[] = [];
        for (const gap of gaps) {
          t += gap;
          if (msUntil(b, 1, rate, t) === 0) {
            b = take(b, 1, rate, t);
            admitted.push(t);
          }
        }
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            const window = (admitted[j] as number) - (admitted[i] as number);
            expect(j - i + 1).toBeLessThanOrEqual(Math.max(1, rate) + Math.floor((rate * window) / 60_000));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
