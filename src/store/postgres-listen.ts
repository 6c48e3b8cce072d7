// LISTEN on the cluster's channel with a client of its own (a pooled client cannot stay subscribed),
// reconnecting when the database goes away; idle processes wake on a notification, not by polling.
import pg from 'pg';
import type { Clock } from '../types.ts';
import { withDefaultUser } from './postgres-connect.ts';

export interface Listener {
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;

export function listen(o: {
  connectionString: string;
  channel: string;
  clock: Clock;
  onNotify(payload: string): void;
  /** connected (true) or lost (false) */
  onState(up: boolean): void;
}): Listener {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: unknown;

  async function connect() {
    if (closed) return;
    const c = new pg.Client({ connectionString: withDefaultUser(o.connectionString), connectionTimeoutMillis: 5_000 });
    c.on('notification', (m) => {
      if (m.channel === o.channel) o.onNotify(m.payload ?? '');
    });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN "${o.channel}"`);
      if (closed) return void (await c.end().catch(() => {}));
      client = c;
      o.onState(true);
    } catch {
      lost(c);
    }
  }

  function lost(c: pg.Client) {
    if (client === c) client = undefined;
    void c.end().catch(() => {});
    if (closed || timer !== undefined) return;
    o.onState(false);
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      void connect();
    }, RECONNECT_MS);
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
