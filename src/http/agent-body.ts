// The body of POST /api/agents: a new agent's name, where it goes (a pool, or a supervisor) and its
// declarative settings only (a `run` function cannot come over HTTP: HTTP adds pool members, whose run
// is their pool's, and external-executor agents). The runtime checks the values as it checks a config.
import { z } from 'zod';

const int = () => z.number().int();

export const addAgentBody = z
  .object({
    name: z.string().min(1).max(64),
    pool: z.string().min(1).max(64).optional(),
    supervisor: z.string().min(1).max(64).optional(),
    role: z.string().min(1).max(128).optional(),
    concurrency: int().optional(),
    timeoutMs: int().optional(),
    maxTimeoutMs: int().optional(),
    heartbeatTimeoutMs: z.number().optional(),
    breaker: z
      .object({
        failureThreshold: int().optional(),
        windowMs: z.number().optional(),
        openMs: z.number().optional(),
        halfOpenProbes: int().optional(),
        successThreshold: int().optional(),
      })
      .strict()
      .optional(),
    fallback: z.string().min(1).max(64).optional(),
    restart: z.enum(['permanent', 'transient', 'temporary']).optional(),
    shutdownMs: z.union([z.number(), z.enum(['brutal_kill', 'infinity'])]).optional(),
    significant: z.boolean().optional(),
  })
  .strict();

export type AddAgentBody = z.infer<typeof addAgentBody>;
