// Warden should be the one retry layer. An SDK that retried on its own (the AI SDK's RetryError)
// multiplies every Warden retry by its own attempts and hides the failures from the breaker: say so,
// once per agent, with the way to turn it off.
import type { Logger } from 'pino';
import { unwrapRetries } from '../policy/sdk-errors.ts';

export type StackedRetryWarning = (agent: string, err: unknown) => void;

export function stackedRetryWarning(logger: Logger): StackedRetryWarning {
  const warned = new Set<string>();
  return (agent, err) => {
    if (warned.has(agent)) return;
    const { sdkAttempts } = unwrapRetries(err);
    if (sdkAttempts === undefined) return;
    warned.add(agent);
    logger.warn(
      { agent, sdkAttempts },
      `agent ${agent}: retries are stacked: its SDK retried on its own (${sdkAttempts} attempts) inside one Warden attempt; ` +
        'pass maxRetries: 0 to the SDK (generateText/streamText of the AI SDK, or the OpenAI/Anthropic client) so that Warden is the one retry layer',
    );
  };
}
