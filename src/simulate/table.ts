// The report as a table for the terminal: one column per run, so `--compare` reads side by side.
import { formatDuration } from './duration.ts';
import type { Report } from './tally.ts';

type Row = [label: string, cell: (r: Report) => string];

const ms = (v: number | null) => (v === null ? '–' : formatDuration(v));
const pct = (n: number, of: number) => (of === 0 ? '' : ` (${((100 * n) / of).toFixed(1)}%)`);
const int = (n: number) => n.toLocaleString('en-US');
const byKind = (by: Record<string, number>) => {
  const parts = Object.entries(by).map(([kind, n]) => `${kind} ${n}`);
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
};

/** The rows every report has, then one pair per provider any of them called. */
export function reportRows(reports: readonly Report[]): Row[] {
  const rows: Row[] = [
    ['tasks submitted', (r) => int(r.tasks.submitted)],
    ['  succeeded', (r) => int(r.tasks.succeeded) + pct(r.tasks.succeeded, r.tasks.submitted)],
    ['  escalated', (r) => int(r.tasks.escalated) + pct(r.tasks.escalated, r.tasks.submitted) + byKind(r.tasks.escalatedBy)],
    ['  cancelled', (r) => int(r.tasks.cancelled)],
    ['  unfinished at the end', (r) => int(r.tasks.unfinished)],
    ['attempts per task', (r) => r.attemptsPerTask.toFixed(3)],
    ['time to success p50', (r) => ms(r.timeToSuccessMs.p50)],
    ['time to success p99', (r) => ms(r.timeToSuccessMs.p99)],
  ];
  const providers = [...new Set(reports.flatMap((r) => Object.keys(r.providers)))].sort();
  for (const p of providers) {
    rows.push([`calls to ${p}`, (r) => (r.providers[p] ? `${int(r.providers[p].calls)} (${int(r.providers[p].failedCalls)} failed)` : '–')]);
    if (reports.some((r) => r.providers[p]?.duringFaults)) {
      rows.push([
        '  during its faults',
        (r) => {
          const f = r.providers[p]?.duringFaults;
          return f ? `${int(f.calls)} calls, ${int(f.tasks)} tasks (${f.callsPerTask} per task)` : '–';
        },
      ]);
    }
  }
  rows.push(
    ['breaker openings', (r) => int(r.breakerOpenings)],
    ['gate closings', (r) => int(r.gateClosings)],
    ['agent restarts', (r) => int(r.restarts)],
    ['supervisor escalations', (r) => int(r.supervisorEscalations)],
    ['process restarts (kill -9)', (r) => int(r.processRestarts)],
    ['budget spent', (r) => `$${r.budgetSpent.costUsd.toFixed(4)}, ${int(r.budgetSpent.tokens)} tokens`],
  );
  return rows;
}

export function formatTable(reports: readonly Report[]): string {
  const first = reports[0];
  if (!first) return '';
  const rows = reportRows(reports);
  const header = ['', ...reports.map((r) => r.config)];
  const body = rows.map(([label, cell]) => [label, ...reports.map(cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => (line[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('   ').trimEnd();
  return [
    `warden simulate: scenario ${first.scenario}, seed ${first.seed}, ${formatDuration(first.durationMs)} simulated`,
    '',
    line(header),
    ...body.map(line),
    '',
  ].join('\n');
}
