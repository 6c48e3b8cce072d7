// A pool's shared agent spec whose members the test controls: every start() (told which member it is)
// opens an incarnation the test crashes or ends, per member; starts and stops go to one log.
import type { AgentConfig } from '../../src/index.ts';
import { deferred, type Deferred } from './warden.ts';

export interface PoolSpec {
  agent: AgentConfig;
  log: string[];
  starts(member: string): number;
  stops(member: string): number;
  crash(member: string): void;
  exitNormally(member: string): void;
}

export function poolSpec(extra: Partial<AgentConfig> = {}): PoolSpec {
  const log: string[] = [];
  const exits = new Map<string, Deferred<void>>();
  const count = (what: string, member: string) => log.filter((e) => e === `${what}:${member}`).length;
  const current = (member: string) => {
    const d = exits.get(member);
    if (!d) throw new Error(`${member} has no running incarnation`);
    return d;
  };
  return {
    agent: {
      start: async (_signal, { name }) => {
        log.push(`start:${name}`);
        const exit = deferred<void>();
        exits.set(name, exit);
        return { exited: exit.promise };
      },
      stop: ({ name }) => void log.push(`stop:${name}`),
      ...extra,
    },
    log,
    starts: (m) => count('start', m),
    stops: (m) => count('stop', m),
    crash: (m) => current(m).reject(new Error(`${m} crashed`)),
    exitNormally: (m) => current(m).resolve(),
  };
}
