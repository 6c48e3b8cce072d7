// Request bodies: JSON only, at most 1 MiB, at most 64 levels deep. An empty body counts as `{}`.
import type { Context } from 'hono';
import { HttpError } from './errors.ts';

/** @defaultValue 1 MiB */
export const MAX_BODY_BYTES = 1024 * 1024;
/** @defaultValue 64 */
export const MAX_JSON_DEPTH = 64;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export async function readJson(c: Context): Promise<unknown> {
  const req = c.req.raw;
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await readCapped(req.body, MAX_BODY_BYTES);
  if (bytes.length === 0) return {};
  const type = req.headers.get('content-type');
  if (type === null || !JSON_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'request body must be JSON (Content-Type: application/json)', {
      contentType: type,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  if (text.trim() === '') return {};
  if (depthExceeds(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'invalid_input', `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, {
      field: 'body',
      maxDepth: MAX_JSON_DEPTH,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`.slice(0, 300));
  }
}

async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** One pass over the text, no recursion: does any array/object nest deeper than `max`? */
export function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return false;
}

function tooLarge(): HttpError {
  return new HttpError(413, 'payload_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`, { maxBytes: MAX_BODY_BYTES });
}
