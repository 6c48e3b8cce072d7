// A plain JavaScript embedder of the installed package: one flaky agent, a task through one retry.
import { createWarden, isWardenError } from 'warden';

let calls = 0;
const warden = createWarden({
  persist: false,
  agents: {
    coder: {
      run: async (task, ctx) => {
        ctx.reportUsage({ turns: 1, tokens: 10 });
        if (++calls === 1) throw Object.assign(new Error('model overloaded'), { status: 503 });
        return { echo: task.input };
      },
    },
  },
  taskTypes: { default: { maxRetries: 2, backoff: { initialMs: 1, factor: 2, maxMs: 5, jitter: 'none' } } },
});
await warden.start();
const { id } = await warden.submit({ agent: 'coder', input: 'hello' });
const output = await warden.result(id);
const task = warden.get(id);
let badCursor = 'not thrown';
try {
  warden.list({ cursor: '-924186799' });
} catch (err) {
  badCursor = isWardenError(err) ? err.code : String(err);
}
await warden.stop();
process.stdout.write(`${JSON.stringify({ output, status: task.status, attempts: task.attempts, path: warden.history(id).map((r) => r.to), badCursor })}\n`);
