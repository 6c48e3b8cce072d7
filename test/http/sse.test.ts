import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TransitionRecord } from '../../src/index.ts';
import { errorOf, harness, type Harness } from './helpers.ts';
import { SseReader } from './sse-reader.ts';

let h: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.dispose();
  h = undefined;
});

function consecutive(records: TransitionRecord[]): boolean {
  return records.every((r, i) => i === 0 || r.seq === (records[i - 1]?.seq ?? 0) + 1);
}

describe('GET /api/events', () => {
  it('streams one transition event per record, with id = seq', async () => {
    h = await harness();
    const res = await h.req('GET', '/api/events');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = new SseReader(res.body);
    expect((await sse.frame())?.comment).toBe('connected');
    const { id } = await h.warden.submit({ agent: 'ok', input: 1 });
    const records = await sse.records(4);
    expect(records.map((r) => [r.id, r.to])).toEqual([
      [id, 'PENDING'],
      [id, 'ASSIGNED'],
      [id, 'IN_PROGRESS'],
      [id, 'SUCCEEDED'],
    ]);
    expect(consecutive(records)).toBe(true);
    await sse.cancel();
  });

  it('resumes from Last-Event-ID: replay first, then live, no duplicate and no gap', async () => {
    const journal: TransitionRecord[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    h = await harness({
      // A journal reader that is slow: live records published while it runs must not be lost or doubled.
      replay: async (after) => {
        await gate;
        return journal.filter((r) => r.seq > after);
      },
    });
    const x = h;
    x.warden.on('transition', (r) => journal.push(r));
    const first = await x.warden.submit({ agent: 'ok', input: 'a' });
    await vi.waitFor(() => expect(x.warden.get(first.id)?.status).toBe('SUCCEEDED'));
    const resumeAfter = journal[1]?.seq ?? 0;

    const res = await x.req('GET', '/api/events', { headers: { 'Last-Event-ID': String(resumeAfter) } });
    expect(res.status).toBe(200);
    const sse = new SseReader(res.body);
    await sse.frame(); // ': connected'
    const second = await x.warden.submit({ agent: 'ok', input: 'b' }); // published while the replay waits
    await vi.waitFor(() => expect(x.warden.get(second.id)?.status).toBe('SUCCEEDED'));
    release();
    const expected = journal.filter((r) => r.seq > resumeAfter);
    const got = await sse.records(expected.length);
    expect(got.map((r) => r.seq)).toEqual(expected.map((r) => r.seq));
    expect(got[0]?.seq).toBe(resumeAfter + 1);
    expect(consecutive(got)).toBe(true);
    // and live afterwards
    const third = await x.warden.submit({ agent: 'ext' });
    const live = await sse.records(1);
    expect(live[0]).toMatchObject({ id: third.id, to: 'PENDING', seq: (expected.at(-1)?.seq ?? 0) + 1 });
    await sse.cancel();
  });

  it('?lastEventId= works like the header; a bad value is 400', async () => {
    const journal: TransitionRecord[] = [];
    h = await harness({ replay: (after) => journal.filter((r) => r.seq > after) });
    h.warden.on('transition', (r) => journal.push(r));
    await h.warden.submit({ agent: 'ext' });
    const res = await h.req('GET', `/api/events?lastEventId=${journal[0]?.seq ?? 0}`);
    const sse = new SseReader(res.body);
    const got = await sse.records(1);
    expect(got[0]?.seq).toBe(journal[1]?.seq);
    await sse.cancel();

    const bad = await h.req('GET', '/api/events', { headers: { 'Last-Event-ID': 'abc' } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details?.field).toBe('Last-Event-ID');
    const badQuery = await h.req('GET', '/api/events?lastEventId=-1');
    expect(badQuery.status).toBe(400);
    expect((await errorOf(badQuery)).details?.field).toBe('lastEventId');
  });

  it('a failing replay falls back to live events', async () => {
    h = await harness({
      replay: () => {
        throw new Error('journal unreadable');
      },
    });
    const res = await h.req('GET', '/api/events', { headers: { 'Last-Event-ID': '5' } });
    const sse = new SseReader(res.body);
    await sse.frame();
    const { id } = await h.warden.submit({ agent: 'ext' });
    const [r] = await sse.records(1);
    expect(r?.id).toBe(id);
    await sse.cancel();
  });

  it('sends a heartbeat comment every 15 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    h = await harness();
    const res = await h.req('GET', '/api/events');
    const sse = new SseReader(res.body);
    expect((await sse.frame())?.comment).toBe('connected');
    await vi.advanceTimersByTimeAsync(15_000);
    expect((await sse.frame())?.comment).toBe('ping');
    await sse.cancel();
  });

  it('close() ends every open stream and refuses new ones', async () => {
    h = await harness();
    const a = new SseReader((await h.req('GET', '/api/events')).body);
    const b = new SseReader((await h.req('GET', '/api/events')).body);
    await a.frame();
    await b.frame();
    h.close();
    expect(await a.frame()).toBeNull();
    expect(await b.frame()).toBeNull();
    const after = await h.req('GET', '/api/events');
    expect(after.status).toBe(503);
    expect((await errorOf(after)).code).toBe('not_running');
  });

  it('HEAD answers the headers without opening a stream', async () => {
    h = await harness();
    const res = await h.req('HEAD', '/api/events');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await res.text()).toBe('');
  });

  it('a client that goes away is unsubscribed', async () => {
    h = await harness();
    const x = h;
    // Count the hub's live subscriptions to the warden: one per open stream, none once it is gone.
    let subscribed = 0;
    const on = x.warden.on.bind(x.warden);
    vi.spyOn(x.warden, 'on').mockImplementation((event, listener) => {
      subscribed++;
      const off = on(event, listener);
      return () => {
        subscribed--;
        off();
      };
    });
    const sse = new SseReader((await x.req('GET', '/api/events')).body);
    await sse.frame();
    expect(subscribed).toBe(1);
    await sse.cancel();
    await vi.waitFor(() => expect(subscribed).toBe(0), { timeout: 2_000 });
    // nothing left to write to: publishing must not throw
    await x.warden.submit({ agent: 'ext' });
    expect(subscribed).toBe(0);
  });
});
