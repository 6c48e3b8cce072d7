// A task's budget as pure rules over plain numbers: what was used, whether it is spent, and whether one
// more attempt can fit. The task machine's guards and the runtime's mid-attempt check both ask these.
import { BUDGET_FIELDS, type Budget, type BudgetField, type Usage, type UsageTotals } from '../src/types.ts';

export const NO_USAGE: Readonly<UsageTotals> = Object.freeze({ turns: 0, tokens: 0, costUsd: 0, wallMs: 0 });

/** The sum of two usages; a missing or non-finite field counts as 0. */
export function addUsage(a: Partial<UsageTotals> | undefined, b: (Usage & { wallMs?: number }) | undefined): UsageTotals {
  const out = { ...NO_USAGE };
  for (const k of BUDGET_FIELDS) out[k] = finite(a?.[k]) + finite(b?.[k]);
  // Cost is money: keep sums of many small reports free of binary-fraction noise (to a micro-dollar's millionth).
  out.costUsd = Math.round(out.costUsd * 1e12) / 1e12;
  return out;
}

function finite(v: number | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Field by field, the later budget's limits win over the earlier's. */
export function mergeBudget(base: Budget | undefined, over: Budget | undefined): Budget | undefined {
  const out: Budget = { ...base };
  for (const k of BUDGET_FIELDS) if (over?.[k] !== undefined) out[k] = over[k];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A human's grant: each given field allows that much more than is used now. */
export function grantBudget(budget: Budget | undefined, used: UsageTotals, grant: Budget): Budget | undefined {
  const out: Budget = { ...budget };
  for (const k of BUDGET_FIELDS) {
    const more = grant[k];
    if (more !== undefined) out[k] = round(used[k] + more);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function round(v: number): number {
  return Math.round(v * 1e12) / 1e12;
}

/** The first limit that `used` goes past, or undefined: what the mid-attempt check aborts on. */
export function overrun(budget: Budget | undefined, used: UsageTotals): BudgetField | undefined {
  if (!budget) return undefined;
  return BUDGET_FIELDS.find((k) => budget[k] !== undefined && used[k] > (budget[k] as number));
}

/** The first limit `used` has reached: nothing is left of it, so no attempt may start. */
export function exhausted(budget: Budget | undefined, used: UsageTotals): BudgetField | undefined {
  if (!budget) return undefined;
  return BUDGET_FIELDS.find((k) => budget[k] !== undefined && used[k] >= (budget[k] as number));
}

/** "costUsd: used 0.52 of 0.5": names what ran out. */
export function spentMessage(field: BudgetField, budget: Budget, used: UsageTotals): string {
  return `budget spent: ${field} used ${show(used[field])} of ${show(budget[field] ?? 0)}`;
}

/**
 * Why one more attempt cannot fit, or undefined when it can: a limit is used up, or what is left of it
 * is less than an average past attempt used (`attempts` finished attempts made `used`).
 */
export function retryMisfit(budget: Budget | undefined, used: UsageTotals, attempts: number): string | undefined {
  if (!budget) return undefined;
  const gone = exhausted(budget, used);
  if (gone) return spentMessage(gone, budget, used);
  if (attempts <= 0) return undefined;
  for (const k of BUDGET_FIELDS) {
    const limit = budget[k];
    if (limit === undefined) continue;
    const left = limit - used[k];
    const average = used[k] / attempts;
    if (left < average) {
      return `not retried: ${show(left)} ${k} left of the budget, below the ${show(average)} an average attempt of this task used`;
    }
  }
  return undefined;
}

function show(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}
