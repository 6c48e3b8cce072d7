import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { depthExceeds, MAX_BODY_BYTES } from '../../src/http/body.ts';
import { errorOf, harness, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.dispose();
});

const JSON_HEADERS = { 'content-type': 'application/json' };

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('request bodies', () => {
  it('413 over 1 MiB by Content-Length', async () => {
    const big = JSON.stringify({ agent: 'ext', input: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await h.req('POST', '/api/tasks', { raw: big, headers: JSON_HEADERS });
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: 'payload_too_large' });
    expect(h.warden.list().items).toHaveLength(0);
  });

  it('413 over 1 MiB by the bytes read when there is no Content-Length', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await h.app.request('/api/tasks', {
      method: 'POST',
      body,
      headers: { ...JSON_HEADERS, authorization: 'Bearer test-token.0123456789' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('exactly 1 MiB is accepted', async () => {
    const prefix = '{"agent":"ext","input":"';
    const suffix = '"}';
    const raw = prefix + 'x'.repeat(MAX_BODY_BYTES - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(raw)).toBe(MAX_BODY_BYTES);
    const res = await h.req('POST', '/api/tasks', { raw, headers: JSON_HEADERS });
    expect(res.status).toBe(201);
  });

  it.each([
    ['text/plain', '{"agent":"ext"}'],
    ['application/x-www-form-urlencoded', 'agent=ext'],
    ['multipart/form-data; boundary=x', '--x--'],
    [undefined, '{"agent":"ext"}'],
  ])('415 for Content-Type %s', async (type, raw) => {
    const res = await h.req('POST', '/api/tasks', { raw, headers: type ? { 'content-type': type } : {} });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe('unsupported_media_type');
    expect(h.warden.list().items).toHaveLength(0);
  });

  it('accepts application/json with a charset and +json types', async () => {
    const a = await h.req('POST', '/api/tasks', { raw: '{"agent":"ext"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(a.status).toBe(201);
    const b = await h.req('POST', '/api/tasks', { raw: '{"agent":"ext"}', headers: { 'content-type': 'application/vnd.warden+json' } });
    expect(b.status).toBe(201);
  });

  it('an empty body on an action route counts as {} whatever its Content-Type', async () => {
    const t = await h.warden.submit({ agent: 'ext' });
    const res = await h.req('POST', `/api/tasks/${t.id}/cancel`, { raw: '', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
  });

  it.each(['{', '{"agent":}', 'undefined', "{'agent':'ext'}", '[1,]', '{"a":1}x'])('400 invalid_json for %s', async (raw) => {
    const res = await h.req('POST', '/api/tasks', { raw, headers: JSON_HEADERS });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_json');
    expect(JSON.stringify(err)).not.toMatch(/at .*\.ts/);
  });

  it('400 for invalid UTF-8', async () => {
    const res = await h.req('POST', '/api/tasks', { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), headers: JSON_HEADERS });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_json');
  });

  it('400 for JSON nested deeper than 64 levels, fine at 64', async () => {
    const deep = await h.req('POST', '/api/tasks', { raw: `{"agent":"ext","input":${nested(64)}}`, headers: JSON_HEADERS });
    expect(deep.status).toBe(400);
    expect(await errorOf(deep)).toMatchObject({ code: 'invalid_input', details: { field: 'body' } });
    const ok = await h.req('POST', '/api/tasks', { raw: `{"agent":"ext","input":${nested(63)}}`, headers: JSON_HEADERS });
    expect(ok.status).toBe(201);
  });

  it('a very deep body (100k levels) is refused without a stack overflow', async () => {
    const res = await h.req('POST', '/api/tasks', { raw: nested(100_000), headers: JSON_HEADERS });
    expect(res.status).toBe(400);
  });
});

describe('depthExceeds', () => {
  it('counts objects and arrays, ignores brackets inside strings and escapes', () => {
    expect(depthExceeds(nested(3), 3)).toBe(false);
    expect(depthExceeds(nested(4), 3)).toBe(true);
    expect(depthExceeds('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(depthExceeds('{"a":{"b":[[1]]}}', 3)).toBe(true);
    expect(depthExceeds('["[[[[[[", "\\"[[[[["]', 1)).toBe(false);
  });
});
