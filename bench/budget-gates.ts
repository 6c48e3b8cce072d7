// `npx tsx bench/budget-gates.ts`: what budgets and provider limits cost a task, as a ratio to the same
// no-op workload without them, both measured in this run (alternating, median of 4). Prints figures only.
// BENCH_TASKS (default 10000) tasks per run, 1000 in flight.
import { pino } from 'pino';
import { createWarden } from '../src/index.ts';
/** Tasks a second through one agent; `extra`: a budget on every task and all three provider limits (none binding). */
async function once(extra: boolean, n: number): Promise<number> {
  const w = createWarden({
    persist: false,
    logger: pino({ level: 'silent' }),
    agents: { a: { run: (_t, ctx) => { ctx.reportUsage({ tokens: 10, costUsd: 0.0001 }); return 'ok'; }, concurrency: 1000, ...(extra ? { provider: 'p' } : {}) } },
    ...(extra ? { providers: { p: { requestsPerMinute: 1e9, tokensPerMinute: 1e12, concurrency: 1000 } } } : {}),
    taskTypes: { default: extra ? { budget: { tokens: 1e9, costUsd: 1e6, wallMs: 1e9 } } : {} },
  });
  await w.start();
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const ids = await Promise.all(Array.from({ length: 1000 }, () => w.submit({ agent: 'a' })));
    await Promise.all(ids.map(({ id }) => w.result(id)));
  }
  const ms = performance.now() - t0;
  await w.stop();
  return (n / ms) * 1000;
}
const N = Number(process.env.BENCH_TASKS ?? 10_000);
const r: Record<string, number[]> = { plain: [], budget_gates: [] };
await once(false, 2000); await once(true, 2000);
for (let i = 0; i < 4; i++) { r.plain!.push(await once(false, N)); r.budget_gates!.push(await once(true, N)); }
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log('tasks/s plain', med(r.plain!).toFixed(0), 'with budget + provider limits', med(r.budget_gates!).toFixed(0), 'ratio', (med(r.budget_gates!) / med(r.plain!)).toFixed(2));
