// Hand the task to the fallback agent configured for its current agent.
import type { RecoveryStrategy } from '../protocol.ts';
import { availableFallback, retryOn } from './available.ts';

export const fallbackStrategy: RecoveryStrategy = {
  name: 'fallback',
  recover(task, _error, ctx) {
    const fallback = availableFallback(task.agent, ctx);
    return fallback === undefined ? undefined : retryOn(fallback, ctx, 'fallback');
  },
};
