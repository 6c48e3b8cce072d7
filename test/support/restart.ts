// The harness of tests that restart a warden on one data dir: vitest's fake clock at T0 (setImmediate
// stays real: the journal's group commit goes out in one) and a fresh data dir around each test, every
// warden in `live` stopped afterwards.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Warden } from '../../src/index.ts';
import { T0 } from './warden.ts';

export interface RestartHarness {
  /** this test's data dir */
  readonly dir: string;
  /** wardens to stop after the test (a test that drops one like a crash takes it out) */
  readonly live: Warden[];
}

export function useRestartHarness(prefix: string): RestartHarness {
  const h = { dir: '', live: [] as Warden[] };
  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    h.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const w of h.live.splice(0)) await w.stop();
    vi.useRealTimers();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}
