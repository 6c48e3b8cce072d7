// A Last-Event-ID past the last record is told so at once, and new records still reach the client.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness, type Harness } from './helpers.ts';
import { SseReader } from './sse-reader.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('Last-Event-ID ahead of the stream', () => {
  it('gets an immediate comment naming both ids, then the new records', async () => {
    let seq = 0;
    h = await harness({ lastSeq: () => seq });
    const x = h;
    x.warden.on('transition', (r) => (seq = r.seq));
    const first = await x.warden.submit({ agent: 'ok', input: 1 });
    await vi.waitFor(() => expect(x.warden.get(first.id)?.status).toBe('SUCCEEDED'));
    const head = seq;
    const res = await x.req('GET', '/api/events', { headers: { 'Last-Event-ID': String(head + 1000) } });
    expect(res.status).toBe(200);
    const sse = new SseReader(res.body);
    expect((await sse.frame())?.comment).toBe('connected');
    expect((await sse.frame())?.comment).toBe(`Last-Event-ID ${head + 1000} is ahead of the stream (last event ${head}); sending new events from ${head + 1}`);
    const second = await x.warden.submit({ agent: 'ok', input: 2 });
    const records = await sse.records(1);
    expect(records[0]).toMatchObject({ id: second.id, seq: head + 1, to: 'PENDING' });
    await sse.cancel();
  });

  it('an id at the head is not ahead: no comment, just the next record', async () => {
    let seq = 0;
    h = await harness({ lastSeq: () => seq });
    const x = h;
    x.warden.on('transition', (r) => (seq = r.seq));
    const res = await x.req('GET', '/api/events', { headers: { 'Last-Event-ID': '0' } });
    const sse = new SseReader(res.body);
    expect((await sse.frame())?.comment).toBe('connected');
    const t = await x.warden.submit({ agent: 'ok' });
    const frame = await sse.frame();
    expect(frame?.comment).toBeUndefined();
    expect(frame?.event).toBe('transition');
    expect(JSON.parse(frame?.data ?? '{}')).toMatchObject({ id: t.id, to: 'PENDING' });
    await sse.cancel();
  });
});
