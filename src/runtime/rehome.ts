// The tasks an agent leaves behind when it is removed (or gone from the config): each waiting one
// follows its policy: a peer of the same role takes it when its recovery chain reassigns, else it
// escalates with the reason. A running one is not moved: its attempt ends as it would anyway.
import type { ResolvedConfig } from '../config.ts';
import type { TaskStatus } from '../types.ts';
import type { AgentSlot } from './agent-slot.ts';
import type { TaskActor, TaskEntry, TaskTable } from './tasks.ts';

export interface Rehoming {
  /** every waiting task of the agent that is gone */
  leftBehind(gone: string, role: string | undefined): void;
  /** a task whose agent does not exist (removed, or gone from the config) */
  orphan(entry: TaskEntry): void;
}

/** Where a task of a removed agent can be re-homed without losing it: waiting, not running. */
const MOVABLE: ReadonlySet<TaskStatus> = new Set(['ASSIGNED', 'RETRY_WAIT']);

export function createRehoming(deps: {
  config: ResolvedConfig;
  agents: Map<string, AgentSlot>;
  tasks: TaskTable;
  live: (entry: TaskEntry) => TaskActor | undefined;
}): Rehoming {
  const { config, agents } = deps;

  /** The task's policy decides: `reassign` in its recovery chain and a peer of the role, else a human. */
  function rehome(entry: TaskEntry, gone: string, role: string | undefined) {
    const type = config.taskTypes[entry.context.type] ?? config.taskTypes.default;
    const reassigns = type?.recovery.includes('reassign') ?? false;
    const peer = reassigns && role !== undefined && role !== gone ? peerOf(role) : undefined;
    const actor = deps.live(entry);
    if (peer) {
      actor?.send({ type: 'REASSIGN', agent: peer });
      return;
    }
    const why =
      role === undefined
        ? `agent ${gone} does not exist (removed, or no longer in the config)`
        : !reassigns
          ? `agent ${gone} was removed and task type ${entry.context.type} does not reassign`
          : `agent ${gone} was removed and no other agent has role ${role}`;
    actor?.send({ type: 'ABANDON', error: { kind: 'not_found', message: why } });
  }

  /** A running peer first, else any (its tasks wait for it to come back). */
  function peerOf(role: string): string | undefined {
    let fallback: string | undefined;
    for (const [name, slot] of agents) {
      if (slot.cfg.role !== role) continue;
      if (slot.ref.getSnapshot().context.lifecycle === 'RUNNING') return name;
      fallback ??= name;
    }
    return fallback;
  }

  return {
    leftBehind(gone, role) {
      for (const entry of [...deps.tasks.all()]) {
        if (entry.context.agent === gone && MOVABLE.has(entry.context.status)) rehome(entry, gone, role);
      }
    },
    orphan(entry) {
      if (MOVABLE.has(entry.context.status)) rehome(entry, entry.context.agent, undefined);
    },
  };
}
