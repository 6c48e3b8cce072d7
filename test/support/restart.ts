// The harness of tests that restart a warden on one data dir: vitest's fake clock at T0 (setImmediate
// stays real: the journal's group commit goes out in one) and a fresh data dir around each test, every
// warden in `live` stopped afterwards.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { pino } from 'pino';
import { createWarden, type Warden, type WardenConfig } from '../../src/index.ts';
import { T0 } from './warden.ts';

export interface RestartHarness {
  /** this test's data dir */
  dir: string;
  /** wardens to stop after the test (a test that drops one like a crash takes it out) */
  readonly live: Warden[];
  /** one "process": a started warden on this test's data dir (silent), stopped after the test */
  boot(config: Omit<WardenConfig, 'dataDir' | 'logger'>): Promise<Warden>;
  /** stops it now (a clean stop, then the next boot restores from what it wrote) */
  shutdown(w: Warden): Promise<void>;
}

export function useRestartHarness(prefix: string): RestartHarness {
  const h: RestartHarness = {
    dir: '',
    live: [],
    async boot(config) {
      const w = createWarden({ ...config, dataDir: h.dir, logger: pino({ level: 'silent' }) });
      h.live.push(w);
      await w.start();
      return w;
    },
    async shutdown(w) {
      h.live.splice(h.live.indexOf(w), 1);
      await w.stop();
    },
  };
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
