// An agent on the `openai` SDK under Warden. Run: npx tsx examples/openai-agent.ts
// With OPENAI_API_KEY set it calls the real API (model $OPENAI_MODEL, default gpt-4o-mini); without,
// a local fake provider (examples/fake-llm.ts) first answers 429 with Retry-After: 1, then succeeds.
// In your app, import from the package instead: import { createWarden } from 'warden';
import OpenAI from 'openai';
import { createWarden } from '../src/index.ts';
import { startFakeLlm } from './fake-llm.ts';

const real = Boolean(process.env.OPENAI_API_KEY);
const fake = real ? undefined : await startFakeLlm();
fake?.script({ status: 429, headers: { 'retry-after': '1' }, text: 'slow down' }, { text: 'Hello from the fake provider' });

// maxRetries: 0: Warden is the one retry layer (it reads Retry-After, counts attempts, trips the breaker).
const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'fake', baseURL: fake ? `${fake.url}/v1` : undefined, maxRetries: 0 });

const warden = createWarden({
  persist: false,
  agents: {
    writer: {
      timeoutMs: 30_000,
      run: async (task, ctx) => {
        const prompt = String(task.input);
        // ctx.signal: a cancel or Warden's timeout aborts the HTTP request itself.
        const r = await client.chat.completions.create(
          { model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] },
          { signal: ctx.signal },
        );
        ctx.reportUsage({ turns: 1, tokens: r.usage?.total_tokens ?? 0 });
        return r.choices[0]?.message.content ?? '';
      },
    },
  },
  taskTypes: { default: { maxRetries: 2 } },
});

await warden.start();
const { id } = await warden.submit({ agent: 'writer', input: 'Say hello in five words.' });
console.log('output:', await warden.result(id));
console.log('history:', warden.history(id).map((r) => (r.error ? `${r.to}(${r.error.kind}${r.error.retryAfterMs ? `, wait ${r.error.retryAfterMs} ms` : ''})` : r.to)).join(' → '));
await warden.stop();
await fake?.close();
