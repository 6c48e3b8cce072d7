// Who can take a task right now, and the retry decision the agent-picking strategies share.
import type { AgentInfo, Decision, RecoveryContext } from '../protocol.ts';

/** Stopped or given-up agents run nothing; an open circuit rejects calls until it half-opens. */
export function isAvailable(agent: AgentInfo | undefined): agent is AgentInfo {
  return agent !== undefined && agent.lifecycle !== 'STOPPED' && agent.lifecycle !== 'ESCALATED' && agent.circuit !== 'OPEN';
}

export function firstAvailablePeer(name: string, ctx: RecoveryContext): string | undefined {
  return ctx.peers(name).find((peer) => peer !== name && isAvailable(ctx.agent(peer)));
}

export function availableFallback(name: string, ctx: RecoveryContext): string | undefined {
  const fallback = ctx.agent(name)?.fallback;
  return fallback !== undefined && fallback !== name && isAvailable(ctx.agent(fallback)) ? fallback : undefined;
}

/** A retry on `agent` with the delay and timeout the per-kind rule chose; undefined if it refused. */
export function retryOn(agent: string, ctx: RecoveryContext, strategy: string): Decision | undefined {
  if (!ctx.retry.retry) return undefined;
  const { delayMs, timeoutMs } = ctx.retry;
  return timeoutMs === undefined
    ? { action: 'retry', agent, delayMs, strategy }
    : { action: 'retry', agent, delayMs, timeoutMs, strategy };
}
