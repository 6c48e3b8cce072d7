// Makes task actors: new ones on submit, and revived ones from a plain context (after a restore,
// or for a task that waited without an actor). The runtime's clock supplies the machine's delays.
import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { taskMachine, type TaskContext, type TaskInput } from '../../machines/task.ts';
import type { Clock, TransitionFact } from '../types.ts';
import { remaining } from './clock.ts';
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

  function wire(actor: TaskActor, id: string): TaskActor {
    actor.on('transition', (e) => opts.publish(e.fact));
    actor.on('deadline', (e) => opts.onDeadline(id, e.attempt));
    return actor;
  }

  return {
    create: (input) => wire(createActor(machine, { input, inspect, clock }), input.id),
    revive(context) {
      // IN_PROGRESS rests in `untimed`; RESUME re-enters its check and arms the deadline if there is one.
      const value =
        context.status === 'IN_PROGRESS'
          ? { IN_PROGRESS: 'untimed' }
          : context.status === 'RETRY_WAIT'
            ? { RETRY_WAIT: 'waiting' }
            : context.status;
      const snapshot = machine.resolveState({ value, context });
      return wire(createActor(machine, { snapshot, input: context, inspect, clock }), context.id).start();
    },
  };
}
