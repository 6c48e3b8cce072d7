// An agent on `@anthropic-ai/sdk` under Warden. Run: npx tsx examples/anthropic-agent.ts
// With ANTHROPIC_API_KEY set it calls the real API (model $ANTHROPIC_MODEL, default claude-3-5-haiku-latest);
// without, a local fake provider (examples/fake-llm.ts) first answers 529 (overloaded), then succeeds.
// In your app, import from the package instead: import { createWarden } from 'warden';
import Anthropic from '@anthropic-ai/sdk';
import { createWarden } from '../src/index.ts';
import { startFakeLlm } from './fake-llm.ts';

const fake = process.env.ANTHROPIC_API_KEY ? undefined : await startFakeLlm();
fake?.script({ status: 529, text: 'Overloaded' }, { text: 'Hello from the fake provider' });

// maxRetries: 0, so that Warden's retry policy, not the SDK's, decides what happens after a failure.
const anthropic = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY ?? 'fake', baseURL: fake?.url, maxRetries: 0 });

const warden = createWarden({
  persist: false,
  agents: {
    summarizer: {
      timeoutMs: 60_000,
      breaker: { failureThreshold: 5, windowMs: 60_000, openMs: 30_000 },
      run: async (task, ctx) => {
        const message = await anthropic.messages.create(
          { model: process.env.ANTHROPIC_MODEL ?? 'claude-3-5-haiku-latest', max_tokens: 256, messages: [{ role: 'user', content: String(task.input) }] },
          { signal: ctx.signal }, // kill authority: Warden's cancel and timeout abort the request
        );
        ctx.reportUsage({ turns: 1, tokens: message.usage.input_tokens + message.usage.output_tokens });
        return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      },
    },
  },
  taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 200, factor: 2, maxMs: 5_000, jitter: 'full' } } },
});

await warden.start();
const { id } = await warden.submit({ agent: 'summarizer', input: 'Summarize: Warden supervises agents.' });
console.log('output:', await warden.result(id));
console.log('history:', warden.history(id).map((r) => (r.error ? `${r.to}(${r.error.kind} ${r.error.status ?? ''})` : r.to)).join(' → '));
await warden.stop();
await fake?.close();
