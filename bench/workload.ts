// The lifecycle workload every Warden rate in the bench runs: a no-op agent, or one that fails once.
import type { Logger } from 'pino';
import type { WardenConfig } from '../src/index.ts';

export type Variant = 'succeed' | 'failOnce';

/** Thrown by the first attempt of a fail-once task. A validation error is retried once and, being
 * the caller's fault rather than the agent's, is not counted by the breaker: 20,000 server errors
 * would open the circuit and measure the breaker's wait instead of the retry path. */
const FLAKY = Object.freeze({ kind: 'validation', message: 'first attempt fails' });

export function workload(variant: Variant, logger: Logger): Pick<WardenConfig, 'agents' | 'taskTypes' | 'logger'> {
  return {
    agents: {
      noop: {
        concurrency: 1000,
        run:
          variant === 'succeed'
            ? async () => 1
            : async (_task, ctx) => {
                if (ctx.attempt === 1) throw FLAKY;
                return 1;
              },
      },
    },
    // initialMs 0: the retry is due at once, so no timer is armed.
    taskTypes: { default: { maxRetries: 1, backoff: { initialMs: 0 } } },
    logger,
  };
}
