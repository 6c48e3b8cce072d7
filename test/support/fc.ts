// One fast-check configuration for every property in test/ (loaded by vitest.config.ts as a setup
// file): a seed drawn per test file, or WARDEN_FC_SEED to replay one, and a line per property run
// naming the test, its seed and run count, so any failure — in CI too — can be run again exactly:
//   WARDEN_FC_SEED=<seed> npx vitest run <file>
import fc from 'fast-check';
import { expect } from 'vitest';

export const FC_SEED = process.env.WARDEN_FC_SEED ? Number(process.env.WARDEN_FC_SEED) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(FC_SEED)) throw new Error(`WARDEN_FC_SEED: must be an integer, got ${process.env.WARDEN_FC_SEED}`);

function report(out: fc.RunDetails<unknown>): string | undefined {
  const test = expect.getState().currentTestName ?? '(outside a test)';
  const line = `fast-check seed=${out.seed} runs=${out.numRuns} ${out.failed ? 'FAILED' : 'ok'}: ${test} (replay: WARDEN_FC_SEED=${FC_SEED})`;
  process.stdout.write(line + '\n');
  return out.failed ? (fc.defaultReportMessage(out) ?? line) : undefined;
}

fc.configureGlobal({
  seed: FC_SEED,
  // used for sync and async properties alike (fast-check refuses both reporters at once)
  reporter(out) {
    const failure = report(out);
    if (failure !== undefined) throw new Error(failure);
  },
});
