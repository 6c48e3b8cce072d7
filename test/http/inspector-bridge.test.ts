// The CLI's inspector bridge listens only on the host it is given, and relays what the runtime's
// inspector sends to every browser page connected to it.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startInspectorBridge, type InspectorBridge } from '../../src/inspector-bridge.ts';

let bridge: InspectorBridge | undefined;
afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
});

function opened(url: string): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url);
    ws.once('open', () => res(ws));
    ws.once('error', rej);
  });
}

describe('inspector bridge', () => {
  it('binds to the given host only, serves the page pointing at itself, and relays messages', async () => {
    bridge = await startInspectorBridge({ host: '127.0.0.1', port: 0 });
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await (await fetch(bridge.url, { signal: AbortSignal.timeout(2_000) })).text();
    expect(page).toContain(JSON.stringify(bridge.wsUrl));
    const port = new URL(bridge.url).port;
    // Not on another interface's address of this host (only loopback was asked for).
    const other = (await import('node:os')).networkInterfaces();
    const external = Object.values(other).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      await expect(fetch(`http://${external.address}:${port}`, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
    }
    const browser = await opened(bridge.wsUrl);
    const got = new Promise<string>((res) => browser.once('message', (d) => res(d.toString())));
    const runtime = await opened(bridge.wsUrl);
    runtime.send(JSON.stringify({ type: '@xstate.actor', id: 'x' }));
    expect(JSON.parse(await got)).toEqual({ type: '@xstate.actor', id: 'x' });
    browser.close();
    runtime.close();
  });

  it('a port in use is an error at start, before anything is announced', async () => {
    bridge = await startInspectorBridge({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(bridge.url).port);
    await expect(startInspectorBridge({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
