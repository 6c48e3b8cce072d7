// stop() aborts attempts still running; their answers come after the task actors stopped and must
// reach nobody (no XState "event sent to a stopped actor" warning), the task left IN_PROGRESS for the
// next start to fail as a crash.
import { describe, expect, it, vi } from 'vitest';
import { flush, startWarden, useWardenHarness } from '../support/warden.ts';

useWardenHarness();

describe('stop() with an attempt in flight', () => {
  it('aborts it quietly: the late failure reaches no stopped actor', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const w = await startWarden({
        agents: {
          slow: { run: (_t, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))) },
        },
      });
      const { id } = await w.submit({ agent: 'slow', input: 1 });
      await flush();
      expect(w.get(id)?.status).toBe('IN_PROGRESS');
      await w.stop();
      await flush();
      expect(w.get(id)?.status).toBe('IN_PROGRESS');
      const said = [...warn.mock.calls, ...error.mock.calls].map((c) => c.map(String).join(' '));
      expect(said.filter((s) => /stopped actor/i.test(s))).toEqual([]);
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});
