// GET /api/events: one `transition` event per TransitionRecord, resumable with Last-Event-ID.
// The hub keeps every open stream so close() can end them all (what lets the server shut down).
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Logger } from 'pino';
import type { Warden } from '../api.ts';
import type { TransitionRecord } from '../types.ts';
import { HttpError } from './errors.ts';
import type { HttpOptions } from './types.ts';
import { eventsQuery, parseOr400, queryOf } from './validate.ts';

export interface EventHubOptions {
  replay?: HttpOptions['replay'];
  /** the seq of the last record published: a Last-Event-ID past it is told so at once */
  lastSeq?: HttpOptions['lastSeq'];
  logger: Logger;
  /** a comment line this often keeps proxies from closing an idle stream. @defaultValue 15000 */
  heartbeatMs?: number;
  /** records waiting for a slow client before its stream is ended (it resumes with Last-Event-ID). @defaultValue 10000 */
  maxQueue?: number;
}

export interface EventHub {
  handle(c: Context): Response;
  /** open streams */
  readonly size: number;
  /** ends every open stream and refuses new ones */
  close(): void;
}

const PING = Symbol('ping');
type Item = TransitionRecord | typeof PING;

/** What every stream of one hub shares. */
interface Hub {
  warden: Warden;
  opts: EventHubOptions;
  heartbeatMs: number;
  maxQueue: number;
  /** the finish() of every open stream, so close() can end them */
  open: Set<() => void>;
}

export function createEventHub(warden: Warden, opts: EventHubOptions): EventHub {
  const hub: Hub = {
    warden,
    opts,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    maxQueue: opts.maxQueue ?? 10_000,
    open: new Set(),
  };
  let closed = false;

  return {
    handle(c) {
      if (closed) throw new HttpError(503, 'not_running', 'the event stream is shutting down');
      const after = lastEventId(c);
      // Hono answers HEAD from the GET handler and drops the body unread: do not open a stream for it.
      if (c.req.method === 'HEAD') return c.body(null, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      return streamSSE(c, (stream) => run(hub, stream, after, c.req.raw.signal));
    },
    get size() {
      return hub.open.size;
    },
    close() {
      closed = true;
      for (const finish of hub.open) finish();
    },
  };
}

/** One client's stream: the replay after `after`, then live records and pings until it ends. */
async function run(hub: Hub, stream: SSEStreamingApi, after: number | undefined, signal: AbortSignal): Promise<void> {
  const { warden, opts, heartbeatMs, maxQueue, open } = hub;
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const finish = () => {
    done = true;
    wake?.();
  };
  const push = (item: Item) => {
    if (done) return;
    if (queue.length >= maxQueue) return finish();
    queue.push(item);
    wake?.();
  };
  // Subscribe before reading the replay: records published meanwhile wait in the queue, and the
  // seq check below drops the ones the replay already sent, so there is neither a gap nor a duplicate.
  const unsubscribe = warden.on('transition', push);
  const timer = setInterval(() => push(PING), heartbeatMs);
  open.add(finish);
  stream.onAbort(finish);
  signal.addEventListener('abort', finish, { once: true });
  let lastSent = after ?? 0;
  // An id past the last record (a data dir that was reset, an id from another server) would
  // otherwise swallow every new record up to it in silence: say so, and stream from now on.
  const head = opts.lastSeq?.();
  const ahead = after !== undefined && head !== undefined && after > head;
  if (ahead) lastSent = head;
  const send = async (r: TransitionRecord) => {
    if (r.seq <= lastSent) return;
    lastSent = r.seq;
    await stream.writeSSE({ event: 'transition', id: String(r.seq), data: JSON.stringify(r) });
  };
  try {
    await stream.write(': connected\n\n');
    if (ahead) await stream.write(`: Last-Event-ID ${after} is ahead of the stream (last event ${head}); sending new events from ${head + 1}\n\n`);
    for (const r of ahead ? [] : await replayed(opts, after)) {
      if (done) break;
      await send(r);
    }
    while (!done) {
      const item = queue.shift();
      if (item === undefined) {
        await new Promise<void>((res) => (wake = res));
        wake = undefined;
      } else if (item === PING) {
        await stream.write(': ping\n\n');
      } else {
        await send(item);
      }
    }
  } finally {
    unsubscribe();
    clearInterval(timer);
    open.delete(finish);
    signal.removeEventListener('abort', finish);
  }
}

function lastEventId(c: Context): number | undefined {
  const header = c.req.header('last-event-id');
  if (header === undefined) return parseOr400(eventsQuery, queryOf(c), 'query').lastEventId;
  if (!/^\d{1,15}$/.test(header)) {
    throw new HttpError(400, 'invalid_input', 'Last-Event-ID: must be a non-negative integer', { field: 'Last-Event-ID' });
  }
  return Number(header);
}

async function replayed(opts: EventHubOptions, after: number | undefined): Promise<TransitionRecord[]> {
  if (after === undefined || !opts.replay) return [];
  try {
    const records = await opts.replay(after);
    return [...records].sort((a, b) => a.seq - b.seq);
  } catch (err) {
    opts.logger.warn({ err, after }, 'SSE replay failed; sending live events only');
    return [];
  }
}
