// SSE resume against the real parts: the replay's ring buffer (and its wrap), the journal scan for
// records older than the ring, a resume after a restart of Warden on the same data dir, and a slow
// client ended at its queue limit (it resumes with the last id it got).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarden, type TransitionRecord, type Warden } from '../../src/index.ts';
import { createApp } from '../../src/http/index.ts';
import { createEventHub } from '../../src/http/sse.ts';
import { createReplay } from '../../src/runtime/replay.ts';
import { journalFiles, readJournalFile } from '../../src/store/journal.ts';
import { SseReader } from './sse-reader.ts';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const wardens: Warden[] = [];
afterEach(async () => {
  for (const w of wardens.splice(0)) await w.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function wardenOn(dataDir: string): Warden {
  const w = createWarden({ dataDir, logger: silent, agents: { ok: { run: async (t) => ({ echo: t.input }) }, ext: {} } });
  wardens.push(w);
  return w;
}

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-sse-'));
  dirs.push(d);
  return d;
}

/** Every transition record in the data dir's journal files, in order. */
function journaled(dir: string): TransitionRecord[] {
  return journalFiles(dir, 0).flatMap((f) => readJournalFile(f).lines.flatMap((l) => ('r' in l ? [l.r] : [])));
}

async function finished(w: Warden, n: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await w.submit({ agent: 'ok', input: i })).id);
  await Promise.all(ids.map((id) => w.result(id)));
}

const seqs = (rs: readonly TransitionRecord[]) => rs.map((r) => r.seq);

describe('the replay: ring buffer and journal scan', () => {
  it('a wrapped ring answers recent seqs oldest first; older ones come from the journal files', async () => {
    const dir = tmp();
    const w = wardenOn(dir);
    // A ring of 5 fed the warden's records, reading the warden's own journal for older ones.
    const replay = createReplay({ capacity: 5, journalDir: () => dir });
    w.on('transition', (r) => replay.remember(r));
    await w.start();
    await finished(w, 4); // 16 task records: the ring wraps three times over
    await w.stop();
    const all = journaled(dir);
    expect(all.length).toBeGreaterThan(12);
    const last = all.at(-1)?.seq ?? 0;
    // inside the ring (its oldest is last - 4): from memory, in order across the wrap point
    expect(seqs(replay.since(last - 5))).toEqual([last - 4, last - 3, last - 2, last - 1, last]);
    expect(seqs(replay.since(last - 2))).toEqual([last - 1, last]);
    expect(replay.since(last)).toEqual([]);
    // older than the ring: the journal, every record after the seq, none skipped
    expect(replay.since(0)).toEqual(all);
    expect(replay.since(3)).toEqual(all.filter((r) => r.seq > 3));
    expect(seqs(replay.since(0, 4))).toEqual(seqs(all.slice(0, 4)));
  });
});

describe('GET /api/events resume', () => {
  it('after a restart, Last-Event-ID older than memory replays from the journal, then goes live', async () => {
    const dir = tmp();
    const first = wardenOn(dir);
    await first.start();
    await finished(first, 3);
    await first.stop();
    const before = journaled(dir);

    const w = wardenOn(dir);
    await w.start();
    const control = createApp(w, { logger: silent, token: 'tok.0123456789', replay: (s) => w.replay(s) });
    try {
      const res = await control.app.request('/api/events', { headers: { authorization: 'Bearer tok.0123456789', 'Last-Event-ID': '2' } });
      expect(res.status).toBe(200);
      const sse = new SseReader(res.body);
      // The start's records go out in the journal's group commit (a setImmediate): let it run, rather
      // than rely on how many turns the auth middleware happens to take.
      await new Promise((r) => setImmediate(r));
      const everything = journaled(dir); // the first run's records and this run's start
      expect(everything.length).toBeGreaterThan(before.length);
      const got = await sse.records(everything.length - 2);
      expect(got).toEqual(everything.slice(2));
      const { id } = await w.submit({ agent: 'ext' });
      const [live] = await sse.records(1);
      expect(live).toMatchObject({ id, to: 'PENDING', seq: (everything.at(-1)?.seq ?? 0) + 1 });
      await sse.cancel();
    } finally {
      control.close();
    }
  });

  it('a slow client is ended at its queue limit, and resumes from the last id it got with nothing lost', async () => {
    const w = wardenOn(tmp());
    await w.start();
    const hub = createEventHub(w, { logger: silent, maxQueue: 5, replay: (s) => w.replay(s) });
    const app = new Hono().get('/events', (c) => hub.handle(c));
    const sse = new SseReader((await app.request('/events')).body);
    expect((await sse.frame())?.comment).toBe('connected');
    expect(hub.size).toBe(1);
    const start = w.replay(0).at(-1)?.seq ?? 0;
    // 10 submits in one turn publish 20 records before the stream can send any: past the limit of 5
    const submits: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) submits.push(w.submit({ agent: 'ext', input: i }));
    await Promise.all(submits);
    const got: TransitionRecord[] = [];
    for (let f = await sse.frame(); f !== null; f = await sse.frame()) if (f.event === 'transition') got.push(JSON.parse(f.data) as TransitionRecord);
    expect(got.length).toBeLessThan(20);
    expect(hub.size).toBe(0);
    const lastId = got.at(-1)?.seq ?? start;
    const again = new SseReader((await app.request('/events', { headers: { 'Last-Event-ID': String(lastId) } })).body);
    const missed = w.replay(lastId);
    expect(missed.length).toBeGreaterThan(0);
    expect(await again.records(missed.length)).toEqual(missed);
    expect(seqs([...got, ...missed])).toEqual(seqs(w.replay(start)));
    await again.cancel();
    hub.close();
  });
});
