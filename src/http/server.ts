// serveWarden(): the control plane on a real socket, with a shutdown that does not hang on SSE clients.
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { WardenError } from '../errors.ts';
import type { ServerHandle, Warden } from '../api.ts';
import { createApp } from './app.ts';
import type { HttpOptions } from './types.ts';

const SWEEP_MS = 25;

export interface ServeOptions extends HttpOptions {
  /** 0 picks a free port. @defaultValue 3000 */
  port?: number;
  /** a non-loopback address needs a token. @defaultValue '127.0.0.1' */
  hostname?: string;
  /** how long open connections may finish before they are cut. @defaultValue 2000 */
  graceMs?: number;
}

export type { ServerHandle };

export async function serveWarden(warden: Warden, opts: ServeOptions): Promise<ServerHandle> {
  const hostname = opts.hostname ?? '127.0.0.1';
  const port = opts.port ?? 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new WardenError('invalid_config', `port must be an integer from 0 to 65535, got ${String(port)}`, { field: 'port' });
  }
  if (!opts.token && !opts.tokens?.length && !isLoopback(hostname)) {
    throw new WardenError('invalid_config', `hostname ${hostname} is not a loopback address: set a token to listen on it`, {
      field: 'hostname',
    });
  }
  const control = createApp(warden, opts);
  const server = createAdaptorServer({ fetch: control.app.fetch, hostname }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, hostname, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    control.close();
    throw err;
  }
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const graceMs = opts.graceMs ?? 2_000;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${bound}`,
    port: bound,
    hostname,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        control.close();
        // A keep-alive connection turns idle only when its response ends (SSE streams end a moment
        // after control.close()), and server.close() closes just the connections idle at the call.
        const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
