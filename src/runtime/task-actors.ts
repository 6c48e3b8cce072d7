// Makes task actors: new ones on submit, and revived ones from a plain context (after a restore,
// or for a task that waited without an actor). The runtime's clock supplies the machine's delays.
// Without an inspector a task is stepped by XState's transition function (machine-stepper.ts);
// with one, each task is a full Actor so the inspector can show it.
import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { taskMachine, type TaskContext, type TaskEmitted, type TaskInput } from '../../machines/task.ts';
import type { Clock, TransitionFact } from '../types.ts';
import { remaining } from './clock.ts';
import { createStepper } from './machine-stepper.ts';
import type { TaskActor } from './tasks.ts';

export interface TaskActors {
  /** a new task's actor, wired but not started (starting it emits the PENDING record) */
  create(input: TaskInput): TaskActor;
  /** an actor resting in the context's state, started; timed states still need RESUME to arm */
  revive(context: TaskContext): TaskActor;
}

export function createTaskActors(opts: {
  clock: Clock;
  inspect?: Observer<InspectionEvent> | ((ev: InspectionEvent) => void);
  publish: (fact: TransitionFact) => void;
  onDeadline: (id: string, attempt: number) => void;
}): TaskActors {
  const { clock, inspect } = opts;
  const now = () => clock.now();
  const machine = taskMachine.provide({
    delays: {
      retryDelay: ({ context }) => remaining(context.retryAt, now),
      attemptDeadline: ({ context }) => remaining(context.deadlineAt, now),
    },
  });
  const deliver = (id: string, e: TaskEmitted) => {
    if (e.type === 'transition') opts.publish(e.fact);
    else opts.onDeadline(id, e.attempt);
  };

  /** the state an actor rests in for a context; IN_PROGRESS rests in `untimed` until RESUME re-enters its check */
  const resting = (context: TaskContext) =>
    machine.resolveState({
      value: context.status === 'IN_PROGRESS' ? { IN_PROGRESS: 'untimed' } : context.status === 'RETRY_WAIT' ? { RETRY_WAIT: 'waiting' } : context.status,
      context,
    });

  if (!inspect) {
    const stepper = createStepper(machine, { clock, emit: (self, e) => deliver(self.id, e as TaskEmitted) });
    return {
      create: (input) => stepper.create(input.id, input),
      revive: (context) => stepper.restore(context.id, resting(context)),
    };
  }

  function wire<A extends { on(type: '*', fn: (e: TaskEmitted) => void): unknown }>(actor: A, id: string): A {
    actor.on('*', (e) => deliver(id, e));
    return actor;
  }
  return {
    create: (input) => wire(createActor(machine, { input, inspect, clock }), input.id),
    revive: (context) => wire(createActor(machine, { snapshot: resting(context), input: context, inspect, clock }), context.id).start(),
  };
}
