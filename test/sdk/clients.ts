// The real SDK clients pointed at the fake LLM server, and a helper that returns what a call threw.
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import OpenAI from 'openai';
import type { FakeLlm } from '../../examples/fake-llm.ts';

export interface CallOptions {
  signal?: AbortSignal;
  /** the SDK's own retries @defaultValue 0 (Warden is the retry layer) */
  maxRetries?: number;
  /** the client's request timeout, ms (openai / anthropic) */
  timeoutMs?: number;
}

export type Sdk = 'openai' | 'anthropic' | 'ai';
export type Call = (fake: FakeLlm, o?: CallOptions) => Promise<{ text: string; tokens: number }>;

export const calls: Record<Sdk, Call> = {
  async openai(fake, o = {}) {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${fake.url}/v1`, maxRetries: o.maxRetries ?? 0, timeout: o.timeoutMs ?? 10_000 });
    const r = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }, { signal: o.signal });
    return { text: r.choices[0]?.message.content ?? '', tokens: r.usage?.total_tokens ?? 0 };
  },
  async anthropic(fake, o = {}) {
    const client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: o.maxRetries ?? 0, timeout: o.timeoutMs ?? 10_000 });
    const r = await client.messages.create({ model: 'claude-test', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { signal: o.signal });
    const first = r.content[0];
    return { text: first?.type === 'text' ? first.text : '', tokens: r.usage.input_tokens + r.usage.output_tokens };
  },
  async ai(fake, o = {}) {
    const provider = createOpenAI({ apiKey: 'test', baseURL: `${fake.url}/v1` });
    const r = await generateText({ model: provider.chat('gpt-test'), prompt: 'hi', maxRetries: o.maxRetries ?? 0, abortSignal: o.signal });
    return { text: r.text, tokens: r.usage.totalTokens ?? 0 };
  },
};

/** What the call threw; fails the test when it did not throw. */
export async function thrownBy(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the SDK call to throw');
}
