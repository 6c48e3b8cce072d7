// Hand the task to a human. Always decides, so it belongs at the end of a chain.
import type { RecoveryStrategy } from '../protocol.ts';

export const escalateStrategy: RecoveryStrategy = {
  name: 'escalate',
  recover(_task, error, ctx) {
    const reason = ctx.retry.retry ? `escalated after a ${error.kind} failure: ${error.message}` : ctx.retry.reason;
    return { action: 'escalate', reason, strategy: 'escalate' };
  },
};
