// An agent on the Vercel AI SDK (`ai` + `@ai-sdk/openai`) under Warden. Run: npx tsx examples/ai-sdk-agent.ts
// With OPENAI_API_KEY set it calls the real API; without, a local fake provider (examples/fake-llm.ts)
// first drops the connection, then answers.
// In your app, import from the package instead: import { createWarden } from 'warden';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { createWarden } from '../src/index.ts';
import { startFakeLlm } from './fake-llm.ts';

const fake = process.env.OPENAI_API_KEY ? undefined : await startFakeLlm();
fake?.script({ reset: true }, { text: 'Hello from the fake provider' });
const provider = createOpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'fake', baseURL: fake ? `${fake.url}/v1` : undefined });

const warden = createWarden({
  persist: false,
  agents: {
    planner: {
      timeoutMs: 30_000,
      run: async (task, ctx) => {
        const { text, usage } = await generateText({
          model: provider.chat(process.env.OPENAI_MODEL ?? 'gpt-4o-mini'),
          prompt: String(task.input),
          abortSignal: ctx.signal, // Warden's cancel and timeout abort the call
          maxRetries: 0, // the AI SDK retries twice by default: Warden warns when retries are stacked
        });
        ctx.reportUsage({ turns: 1, tokens: usage.totalTokens ?? 0 });
        return text;
      },
    },
  },
  taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 100, factor: 2, maxMs: 2_000, jitter: 'full' } } },
});

await warden.start();
const { id } = await warden.submit({ agent: 'planner', input: 'Plan a three-step refactor.' });
console.log('output:', await warden.result(id));
console.log('history:', warden.history(id).map((r) => (r.error ? `${r.to}(${r.error.kind})` : r.to)).join(' → '));
await warden.stop();
await fake?.close();
