// Graceful degradation: the task type's degrade function supplies a lesser result that counts
// as a success (`degraded: true`), whether or not the error was retryable.
import type { Decision, RecoveryStrategy } from '../protocol.ts';

export const degradeStrategy: RecoveryStrategy = {
  name: 'degrade',
  async recover(task, error, ctx): Promise<Decision | undefined> {
    if (!ctx.degrade) return undefined;
    try {
      return { action: 'degrade', output: await ctx.degrade(task, error), strategy: 'degrade' };
    } catch {
      return undefined; // a failed degradation leaves the task to the rest of the chain
    }
  },
};
