// Retry on the same agent. Also taken when nobody else could run the task: a task behind an
// open circuit then waits for its own agent instead of escalating.
import type { RecoveryStrategy } from '../protocol.ts';
import { availableFallback, firstAvailablePeer, isAvailable, retryOn } from './available.ts';

export const retryStrategy: RecoveryStrategy = {
  name: 'retry',
  recover(task, _error, ctx) {
    const hasAlternative =
      firstAvailablePeer(task.agent, ctx) !== undefined || availableFallback(task.agent, ctx) !== undefined;
    if (isAvailable(ctx.agent(task.agent)) || !hasAlternative) return retryOn(task.agent, ctx, 'retry');
    return undefined;
  },
};
