import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createWarden, type TaskView, type Warden } from '../../src/index.ts';
import { isLoopback, serveWarden, type ServerHandle } from '../../src/http/index.ts';
import { silent, TOKEN } from './helpers.ts';
import { SseReader } from './sse-reader.ts';

let warden: Warden | undefined;
let handle: ServerHandle | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await handle?.close();
  await warden?.stop();
  handle = undefined;
  warden = undefined;
});

async function startWarden(): Promise<Warden> {
  const w = createWarden({ persist: false, logger: pino({ level: 'silent' }), agents: { ext: {}, ok: { run: async () => 'done' } } });
  await w.start();
  return w;
}

const auth = { authorization: `Bearer ${TOKEN}` };

describe('serveWarden', () => {
  it('listens on port 0, serves real requests and closes cleanly while an SSE client is connected', async () => {
    warden = await startWarden();
    // A grace far longer than the test may take: close() must end the SSE stream, not wait it out.
    handle = await serveWarden(warden, { port: 0, token: TOKEN, logger: silent, graceMs: 600_000 });
    expect(handle.port).toBeGreaterThan(0);
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}`);
    expect(handle.server.listening).toBe(true);

    expect(await (await fetch(`${handle.url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${handle.url}/api/agents`)).status).toBe(401);
    const created = await fetch(`${handle.url}/api/tasks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'ext', input: { q: 1 } }),
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as TaskView;

    const events = await fetch(`${handle.url}/api/events`, { headers: auth });
    expect(events.status).toBe(200);
    const sse = new SseReader(events.body);
    expect((await sse.frame())?.comment).toBe('connected');
    await fetch(`${handle.url}/api/tasks/${task.id}/cancel`, { method: 'POST', headers: auth });
    const [record] = await sse.records(1);
    expect(record).toMatchObject({ id: task.id, to: 'CANCELLED' });

    const closing = handle.close();
    expect(handle.close()).toBe(closing); // safe to call twice
    await closing;
    expect(await sse.frame()).toBeNull();
    expect(handle.server.listening).toBe(false);
    await expect(fetch(`${handle.url}/health`)).rejects.toThrow();
  });

  it('cuts a connection that does not finish after the grace period', async () => {
    warden = await startWarden();
    const h = await serveWarden(warden, { port: 0, graceMs: 100, logger: silent });
    handle = h;
    const socket = connect(h.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // a request whose body never arrives in full keeps its connection busy
    socket.write('POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"agent"');
    const closedSocket = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    let socketClosed = false;
    void closedSocket.then(() => (socketClosed = true));
    // The grace timer on a simulated clock: not cut 1 ms before it ends, cut when it ends.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let closed = false;
    const closing = h.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(99);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(socketClosed).toBe(false);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await closedSocket;
    await closing;
    expect(closed).toBe(true);
  });

  it('refuses a non-loopback hostname without a token', async () => {
    warden = await startWarden();
    await expect(serveWarden(warden, { port: 0, hostname: '0.0.0.0' })).rejects.toMatchObject({
      code: 'invalid_config',
      details: { field: 'hostname' },
    });
    await expect(serveWarden(warden, { port: 70_000 })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('binds a non-loopback hostname when a token is set', async () => {
    warden = await startWarden();
    handle = await serveWarden(warden, { port: 0, hostname: '0.0.0.0', token: TOKEN, logger: silent });
    expect((await fetch(`http://127.0.0.1:${handle.port}/health`)).status).toBe(200);
  });

  it('rejects when the port is taken', async () => {
    warden = await startWarden();
    handle = await serveWarden(warden, { port: 0, logger: silent });
    await expect(serveWarden(warden, { port: handle.port, logger: silent })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('isLoopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });
});
