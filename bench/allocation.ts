// Part of `npm run bench`: bytes allocated per lifecycle (garbage included), sampled by V8's heap
// profiler, for the bare XState actor, Warden's task statechart alone on the stepper the runtime
// uses, and a whole Warden task, each split by where the bytes were allocated. GC is a large share of
// a lifecycle's CPU, so this says how much of it the statechart's own steps make.
import { Session } from 'node:inspector/promises';
import { SimulatedClock } from 'xstate';
import { taskMachine } from '../machines/task.ts';
import { createStepper } from '../src/runtime/machine-stepper.ts';
import { fmtBytes, table } from './util.ts';

interface ProfileNode {
  callFrame: { url: string };
  selfSize: number;
  children: ProfileNode[];
}

type Layer = 'xstate' | 'warden' | 'other';

/** Bytes allocated while `run()` does `n` lifecycles, per lifecycle, by the layer that allocated them. */
async function sample(n: number, run: (n: number) => Promise<void> | void): Promise<Record<Layer, number>> {
  await run(Math.max(1, Math.floor(n / 4))); // warm: the JIT's own allocations are not the lifecycle's
  const s = new Session();
  s.connect();
  await s.post('HeapProfiler.enable');
  await s.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  await run(n);
  const { profile } = (await s.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  s.disconnect();
  const bytes: Record<Layer, number> = { xstate: 0, warden: 0, other: 0 };
  // A builtin (Set, Map, sort…) has no url: it counts for the layer that called it.
  const walk = (node: ProfileNode, caller: Layer) => {
    const url = node.callFrame.url;
    const layer: Layer = /\/xstate\//.test(url) ? 'xstate' : /\/(src|machines)\//.test(url) && !/node_modules/.test(url) ? 'warden' : url ? 'other' : caller;
    bytes[layer] += node.selfSize;
    for (const c of node.children) walk(c, layer);
  };
  walk(profile.head, 'other');
  for (const k of Object.keys(bytes) as Layer[]) bytes[k] /= n;
  return bytes;
}

function statechartOnly(n: number): void {
  const stepper = createStepper(taskMachine, { clock: new SimulatedClock(), emit: () => {} });
  for (let i = 0; i < n; i++) {
    const t = stepper.create('t', { id: 't', type: 'default', agent: 'a', input: null, maxRetries: 1, autoAssign: true });
    t.start();
    t.send({ type: 'START', at: 1 });
    t.send({ type: 'SUCCEED', attempt: 1, output: 1 });
  }
}

export async function allocationBench(opts: {
  n: number;
  bareXState: (n: number) => Promise<unknown>;
  warden: (n: number) => Promise<unknown>;
}): Promise<void> {
  const bare = await sample(opts.n, async (n) => void (await opts.bareXState(n)));
  const machine = await sample(opts.n, statechartOnly);
  const whole = await sample(opts.n, async (n) => void (await opts.warden(n)));
  const total = (b: Record<Layer, number>) => b.xstate + b.warden + b.other;
  const row = (name: string, b: Record<Layer, number>) => [
    name,
    fmtBytes(total(b)),
    fmtBytes(b.xstate),
    fmtBytes(b.warden),
    fmtBytes(b.other),
    `${(total(b) / total(bare)).toFixed(2)}×`,
  ];
  console.log(`\nAllocation per lifecycle (V8 sampling heap profiler, every 1 KiB, garbage included; ${opts.n.toLocaleString('en-US')} lifecycles each)`);
  console.log(
    table(
      ['lifecycle', 'allocated', 'in XState', 'in Warden', 'elsewhere', 'vs bare XState'],
      [
        row('bare XState actor (create, invoke a promise, done)', bare),
        row("Warden's task statechart alone, stepped (submit, START, SUCCEED)", machine),
        row('Warden submit → result() SUCCEEDED', whole),
      ],
    ),
  );
}
