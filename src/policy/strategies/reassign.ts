// Fail-and-reassign: hand the task to the first available agent of the same role.
import type { RecoveryStrategy } from '../protocol.ts';
import { firstAvailablePeer, retryOn } from './available.ts';

export const reassignStrategy: RecoveryStrategy = {
  name: 'reassign',
  recover(task, _error, ctx) {
    const peer = firstAvailablePeer(task.agent, ctx);
    return peer === undefined ? undefined : retryOn(peer, ctx, 'reassign');
  },
};
