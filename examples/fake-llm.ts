// A local fake LLM provider for the SDK examples and tests: node:http on 127.0.0.1 (port 0 by
// default) answering OpenAI-shaped `POST /v1/chat/completions` and Anthropic-shaped `POST /v1/messages`.
// Each request takes the next scripted reply (status, headers, latency, or a socket reset); with none
// scripted it answers 200 with a short completion and its token usage, as the real APIs do.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  /** @defaultValue 200 */
  status?: number;
  headers?: Record<string, string>;
  /** wait this long before answering (a slow provider, or one past the client's timeout) */
  delayMs?: number;
  /** destroy the socket instead of answering: the client sees a connection reset */
  reset?: boolean;
  /** the completion's text on a 200, the error's message otherwise */
  text?: string;
}

export interface FakeRequest {
  api: 'openai' | 'anthropic' | 'unknown';
  path: string;
  at: number;
  body: unknown;
  /** the client went away before the reply (an aborted request) */
  aborted: boolean;
}

export interface FakeLlm {
  /** e.g. http://127.0.0.1:41234 (OpenAI clients want `${url}/v1` as their baseURL) */
  url: string;
  /** queues replies, taken one a request in order */
  script(...replies: FakeReply[]): void;
  /** every request received, oldest first */
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

const USAGE = { input: 12, output: 7 };

export async function startFakeLlm(port = 0): Promise<FakeLlm> {
  const queue: FakeReply[] = [];
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const api = req.url?.startsWith('/v1/chat/completions') ? 'openai' : req.url?.startsWith('/v1/messages') ? 'anthropic' : 'unknown';
      const seen: FakeRequest = { api, path: req.url ?? '', at: Date.now(), body, aborted: false };
      requests.push(seen);
      const reply = queue.shift() ?? {};
      res.once('close', () => {
        if (!res.writableFinished && !reply.reset) seen.aborted = true;
      });
      const answer = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        if (reply.reset) req.socket.destroy();
        else respond(res, api, reply, body);
      };
      const timer = setTimeout(answer, reply.delayMs ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    script: (...replies) => void queue.push(...replies),
    requests,
    close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return text;
  }
}

function respond(res: ServerResponse, api: FakeRequest['api'], reply: FakeReply, body: unknown): void {
  const status = reply.status ?? 200;
  const payload = status < 400 ? success(api, reply.text ?? 'ok', body) : failure(api, status, reply.text ?? `fake error ${status}`);
  res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
  res.end(JSON.stringify(payload));
}

function modelOf(body: unknown): string {
  const model = typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
  return typeof model === 'string' ? model : 'fake-model';
}

function success(api: FakeRequest['api'], text: string, body: unknown): unknown {
  const model = modelOf(body);
  if (api === 'anthropic') {
    return {
      id: 'msg_fake', type: 'message', role: 'assistant', model,
      content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
    };
  }
  return {
    id: 'chatcmpl-fake', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
  };
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error',
};

function failure(api: FakeRequest['api'], status: number, message: string): unknown {
  if (api === 'anthropic') return { type: 'error', error: { type: ANTHROPIC_TYPES[status] ?? 'api_error', message } };
  return { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'api_error', param: null, code: null } };
}
