// Reads server-sent events from a Response body, frame by frame.
import type { TransitionRecord } from '../../src/index.ts';

export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
  comment?: string;
}

export class SseReader {
  private buf = '';
  private readonly dec = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(body: ReadableStream<Uint8Array> | null) {
    if (!body) throw new Error('no body');
    this.reader = body.getReader();
  }

  /** the next frame, or null once the stream has ended */
  async frame(timeoutMs = 3_000): Promise<SseEvent | null> {
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end >= 0) {
        const text = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        return parse(text);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('SSE read timed out')), timeoutMs);
      });
      try {
        const { done, value } = await Promise.race([this.reader.read(), timeout]);
        if (done) return null;
        this.buf += this.dec.decode(value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** the next `n` transition records, skipping comments */
  async records(n: number): Promise<TransitionRecord[]> {
    const out: TransitionRecord[] = [];
    while (out.length < n) {
      const f = await this.frame();
      if (f === null) throw new Error(`stream ended after ${out.length} records`);
      if (f.event === 'transition') {
        const r = JSON.parse(f.data) as TransitionRecord;
        if (String(r.seq) !== f.id) throw new Error(`id ${f.id} is not seq ${r.seq}`);
        out.push(r);
      }
    }
    return out;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}

function parse(text: string): SseEvent {
  const e: SseEvent = { data: '' };
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) e.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) e.event = line.slice(7);
    else if (line.startsWith('id: ')) e.id = line.slice(4);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  e.data = data.join('\n');
  return e;
}
