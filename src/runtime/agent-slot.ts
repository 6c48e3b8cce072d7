// One agent as the runtime holds it: its resolved config, its actor, its queue and its attempts in flight.
import type { ActorRefFrom } from 'xstate';
import type { agentMachine } from '../../machines/agent.ts';
import type { ResolvedAgentConfig } from '../config.ts';
import type { Queue } from './queue.ts';

export interface AgentSlot {
  cfg: ResolvedAgentConfig;
  ref: ActorRefFrom<typeof agentMachine>;
  queue: Queue<string>;
  /** ids of tasks with an attempt in flight on this agent */
  running: Set<string>;
}
