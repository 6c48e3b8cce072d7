// The Stately inspector bridge for `warden --inspect`: a page that frames stately.ai/inspect and a
// WebSocket relay, bound to one address (the CLI's --host, 127.0.0.1 by default). The bridge sends
// task inputs and outputs unredacted, so it must not open on every interface the way
// @statelyai/inspect's createInspectorServer() does (it has no host option and listens on all).
import { createServer, type Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

export interface InspectorBridge {
  /** the page to open in a browser */
  url: string;
  /** where the runtime's WebSocket inspector connects */
  wsUrl: string;
  stop(): Promise<void>;
}

/** A late browser tab still sees the machines: the last messages are replayed to it. */
const BUFFER = 200;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function page(wsUrl: string): string {
  return `<!DOCTYPE html>
<html><head><title>Warden: Stately inspector</title>
<style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head><body>
<iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
  const iframe = document.getElementById('inspector');
  const buffer = [];
  let connected = false;
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === '@statelyai.connected') {
      connected = true;
      for (const ev of buffer) iframe.contentWindow.postMessage(ev, '*');
      buffer.length = 0;
    }
  });
  const ws = new WebSocket(${JSON.stringify(wsUrl)});
  ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    if (connected) iframe.contentWindow.postMessage(data, '*');
    else buffer.push(data);
  };
</script>
</body></html>`;
}

/** Listens on host:port and resolves once it does (so it is announced only then); rejects on a listen error. */
/** Port 0 picks a free one (the returned URLs name it). */
export async function startInspectorBridge(opts: { host: string; port: number }): Promise<InspectorBridge> {
  let wsUrl = '';
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff' });
    res.end(page(wsUrl));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  // The relay is attached only once the port is ours: attached earlier, it re-emits a listen error unhandled.
  const wss = new WebSocketServer({ server: http });
  const recent: string[] = [];
  wss.on('connection', (ws) => {
    for (const msg of recent) ws.send(msg);
    ws.on('message', (data) => {
      const msg = data.toString();
      recent.push(msg);
      if (recent.length > BUFFER) recent.shift();
      for (const client of wss.clients) if (client !== ws && client.readyState === WebSocket.OPEN) client.send(msg);
    });
  });
  const address = http.address();
  const base = `${urlHost(opts.host)}:${typeof address === 'object' && address !== null ? address.port : opts.port}`;
  wsUrl = `ws://${base}`;
  return {
    url: `http://${base}`,
    wsUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
