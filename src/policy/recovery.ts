// The recovery protocol: strategies registered by name, run as a chain per task type.
// The engine only knows this file; a new strategy plugs in through createRecoveryRegistry.
import { ConfigError } from '../errors.ts';
import type { TaskError } from '../types.ts';
import type { Decision, RecoveryContext, RecoveryStrategy, RecoveryTask } from './protocol.ts';
import { degradeStrategy } from './strategies/degrade.ts';
import { escalateStrategy } from './strategies/escalate.ts';
import { fallbackStrategy } from './strategies/fallback.ts';
import { reassignStrategy } from './strategies/reassign.ts';
import { retryStrategy } from './strategies/retry.ts';

export type { AgentInfo, Decision, RecoveryContext, RecoveryStrategy, RecoveryTask } from './protocol.ts';

export type StrategyErrorListener = (name: string, err: unknown) => void;

export const BUILTIN_STRATEGIES: Record<string, RecoveryStrategy> = Object.freeze({
  retry: retryStrategy,
  reassign: reassignStrategy,
  fallback: fallbackStrategy,
  degrade: degradeStrategy,
  escalate: escalateStrategy,
});

/** Built-ins plus `custom`; a custom entry with a built-in name replaces the built-in. */
export function createRecoveryRegistry(custom: Record<string, RecoveryStrategy> = {}): ReadonlyMap<string, RecoveryStrategy> {
  for (const [name, strategy] of Object.entries(custom)) {
    if (typeof strategy?.recover !== 'function') {
      throw new ConfigError(`recovery strategy "${name}"`, 'must have a recover(task, error, context) method');
    }
  }
  return new Map(Object.entries({ ...BUILTIN_STRATEGIES, ...custom }));
}

/** Runs the chain in order; the first Decision wins; a chain that decides nothing escalates. */
export async function runRecovery(
  chain: readonly string[],
  registry: ReadonlyMap<string, RecoveryStrategy>,
  task: RecoveryTask,
  error: TaskError,
  ctx: RecoveryContext,
  onStrategyError: StrategyErrorListener = () => {},
): Promise<Decision> {
  for (const name of chain) {
    const decision = await attempt(name, registry.get(name), task, error, ctx, onStrategyError);
    if (decision) return decision;
  }
  return { action: 'escalate', reason: exhaustedReason(chain, ctx), strategy: 'none' };
}

// A faulty strategy (custom code) is skipped and reported, never allowed to strand the task.
async function attempt(
  name: string,
  strategy: RecoveryStrategy | undefined,
  task: RecoveryTask,
  error: TaskError,
  ctx: RecoveryContext,
  report: StrategyErrorListener,
): Promise<Decision | undefined> {
  try {
    if (!strategy) throw new Error(`unknown recovery strategy "${name}"`);
    const decision: unknown = await strategy.recover(task, error, ctx);
    if (decision === undefined) return undefined;
    if (!isDecision(decision)) throw new Error(`recovery strategy "${name}" returned an invalid decision`);
    // The chain name is what the config chose, so it is what the audit trail should show.
    return { ...decision, strategy: name };
  } catch (err) {
    safeReport(report, name, err);
    return undefined;
  }
}

function safeReport(report: StrategyErrorListener, name: string, err: unknown): void {
  try {
    report(name, err);
  } catch {
    // a failing listener must not change the decision
  }
}

function exhaustedReason(chain: readonly string[], ctx: RecoveryContext): string {
  const tried = `no recovery strategy of [${chain.join(', ')}] applied`;
  return ctx.retry.retry ? tried : `${ctx.retry.reason}; ${tried}`;
}

export function isDecision(x: unknown): x is Decision {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Record<string, unknown>;
  if (d.action === 'retry') return typeof d.agent === 'string' && isDelay(d.delayMs) && (d.timeoutMs === undefined || isDelay(d.timeoutMs));
  if (d.action === 'escalate') return typeof d.reason === 'string';
  return d.action === 'degrade' && 'output' in d;
}

function isDelay(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
