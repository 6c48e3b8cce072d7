// The README's example: one flaky agent, one task, retried until it succeeds.
import { createWarden } from '../src/index.ts';

let calls = 0;
const warden = createWarden({
  persist: false,
  agents: {
    coder: {
      // Fails twice with a 503, then answers: Warden retries with backoff.
      run: async (task) => {
        if (++calls < 3) throw Object.assign(new Error('model overloaded'), { status: 503 });
        return { patch: `fixed ${String((task.input as { issue: string }).issue)}` };
      },
    },
  },
  taskTypes: { default: { maxRetries: 3, backoff: { initialMs: 50, factor: 2, maxMs: 500, jitter: 'full' } } },
});

await warden.start();
const { id } = await warden.submit({ agent: 'coder', input: { issue: 'bug #1' } });
console.log('output:', await warden.result(id));
console.log('history:', warden.history(id).map((r) => r.to).join(' → '));
await warden.stop();
