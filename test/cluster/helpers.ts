// Shared scaffolding for the cluster tests: wardens on one PostgreSQL schema of the test's own
// (dropped after the test), stopped after each test, and a bounded wait for what another process does.
import * as net from 'node:net';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createWarden, type Warden, type WardenConfig } from '../../src/index.ts';
import { dropAllSchemas, pgUrl } from '../support/postgres.ts';

const running: Warden[] = [];

export function useClusterHarness(): void {
  afterEach(async () => {
    for (const w of running.splice(0)) await w.stop().catch(() => undefined);
    await dropAllSchemas();
  });
}

export type NodeConfig = Omit<WardenConfig, 'store' | 'node' | 'logger'>;

export function clusterNode(schema: string, node: string, config: NodeConfig): Warden {
  const w = createWarden({ logger: pino({ level: 'silent' }), leaseMs: 1_000, ...config, store: { postgres: { connectionString: pgUrl(), schema } }, node });
  running.push(w);
  return w;
}

/** Polls `check` every 20 ms until it holds, failing after `ms`: what another process does is not ours to await. */
export async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

/** A TCP proxy to the test database that can be cut (every socket destroyed) and opened again on its port. */
export async function pgProxy(port = 0): Promise<{ port: number; cut(): Promise<void> }> {
  const target = new URL(pgUrl());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

