// A strict TypeScript embedder, type-checked against the declaration files the package ships.
import { createWarden, isWardenError, type RunFn, type TaskView, type TransitionRecord, type WardenConfig } from 'warden';

const run: RunFn = async (task, ctx) => {
  ctx.signal.throwIfAborted();
  ctx.reportUsage({ turns: 1, tokens: 42, costUsd: 0.001 });
  return { echo: task.input, attempt: ctx.attempt };
};
const config: WardenConfig = { persist: false, agents: { coder: { run, concurrency: 2, timeoutMs: 5_000 } } };
const warden = createWarden(config);
warden.on('transition', (r: TransitionRecord) => {
  const to: string = r.to;
  void to;
});
export async function main(): Promise<TaskView | undefined> {
  await warden.start();
  const { id } = await warden.submit({ agent: 'coder', input: { n: 1 } });
  const page = warden.list({ limit: 10 });
  const next: string | null = page.nextCursor;
  void next;
  try {
    await warden.cancel(id);
  } catch (err) {
    if (isWardenError(err)) console.log(err.code);
  }
  await warden.stop();
  return warden.get(id);
}

// The shipped types are real, not `any`: each line below must be a type error.
// @ts-expect-error concurrency is a number
createWarden({ agents: { a: { concurrency: 'four' } } });
// @ts-expect-error no such method
warden.submitt({ agent: 'coder' });
// @ts-expect-error a status is one of the task statuses
const bad: TaskView['status'] = 'DONE';
void bad;
