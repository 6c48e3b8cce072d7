// A workload for the CPU profiler: Warden task lifecycles only, no baselines.
//   node --cpu-prof --cpu-prof-dir=/tmp/warden-prof --import tsx bench/profile.ts [succeed|failOnce] [tasks]
//   npx tsx bench/top.ts /tmp/warden-prof/<file>.cpuprofile
import { pino } from 'pino';
import { createWarden } from '../src/index.ts';
import { workload } from './workload.ts';

const variant = process.argv[2] === 'failOnce' ? 'failOnce' : 'succeed';
const total = Number(process.argv[3] ?? 60_000);
const BATCH = 1_000;
const w = createWarden({ persist: false, ...workload(variant, pino({ level: 'silent' })) });
await w.start();
const t0 = performance.now();
for (let done = 0; done < total; done += BATCH) {
  await Promise.all(
    Array.from({ length: BATCH }, async () => {
      const { id } = await w.submit({ agent: 'noop' });
      return w.result(id);
    }),
  );
}
console.log(`${variant}: ${Math.round((total / (performance.now() - t0)) * 1000)} tasks/s`);
await w.stop();
