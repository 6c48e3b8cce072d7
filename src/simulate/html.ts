// The HTML report: one self-contained page (inline CSS and SVG, no script, no external reference)
// with the summary table and, per run, tasks by status over time and calls per minute per provider.
import { formatDuration } from './duration.ts';
import { escapeHtml, lineChart, type Line } from './svg-chart.ts';
import { reportRows } from './table.ts';
import { STATUS_GROUPS, type Report, type Series, type StatusGroup } from './tally.ts';

export interface RunView {
  report: Report;
  series: Series;
}

const STATUS_COLORS: Record<StatusGroup, string> = {
  waiting: '#d89b00',
  running: '#2f6fdf',
  SUCCEEDED: '#2e9e4f',
  ESCALATED: '#c93c3c',
  CANCELLED: '#777777',
};
const PALETTE = ['#2f6fdf', '#c93c3c', '#2e9e4f', '#d89b00', '#8e44ad', '#16a0a0', '#e67e22', '#555555'];

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; } td, th { padding: 2px 14px 2px 0; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #ccc; } td:first-child { color: #555; white-space: pre; }
.runs { display: flex; flex-wrap: wrap; gap: 2rem; } .run { flex: 1 1 640px; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg text { font-size: 11px; fill: #555; } svg .grid { stroke: #e5e5e5; } svg .band { fill: #c93c3c; opacity: 0.1; }
.legend .key { margin-right: 12px; white-space: nowrap; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
`;

function minuteLabel(ms: number): string {
  return ms === 0 ? '0' : formatDuration(ms);
}

function charts(run: RunView): string {
  const { series } = run;
  const statusLines: Line[] = STATUS_GROUPS.map((g) => ({ name: g.toLowerCase(), color: STATUS_COLORS[g], values: series.byStatus.map((s) => s[g]) }));
  const minutes = Math.max(1, Math.ceil(run.report.durationMs / 60_000));
  const callLines: Line[] = Object.entries(series.callsPerMinute)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, values], i) => ({
      name: provider,
      color: PALETTE[i % PALETTE.length] ?? '#555',
      values: Array.from({ length: minutes }, (_, m) => values[m] ?? 0),
    }));
  return [
    `<section class="run"><h2>${escapeHtml(run.report.config)}</h2>`,
    lineChart({
      title: 'Tasks by status over time',
      lines: statusLines,
      points: series.byStatus.length,
      stepLabel: (i) => minuteLabel((i + 1) * series.sampleMs),
      bands: series.faults.map((f) => ({ from: f.fromMs / series.sampleMs - 1, to: f.toMs / series.sampleMs - 1, label: f.label })),
    }),
    lineChart({
      title: 'Calls per minute per provider (shaded: the scenario\'s fault windows)',
      lines: callLines,
      points: minutes,
      stepLabel: (i) => minuteLabel(i * 60_000),
      bands: series.faults.map((f) => ({ from: f.fromMs / 60_000, to: f.toMs / 60_000, label: f.label })),
    }),
    '</section>',
  ].join('\n');
}

export function renderHtml(runs: readonly RunView[], scenario: { name: string; description: string }): string {
  const reports = runs.map((r) => r.report);
  const first = reports[0];
  const rows = reportRows(reports)
    .map(([label, cell]) => `<tr><td>${escapeHtml(label)}</td>${reports.map((r) => `<td>${escapeHtml(cell(r))}</td>`).join('')}</tr>`)
    .join('\n');
  const title = `warden simulate: ${scenario.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(scenario.description)}${scenario.description ? '.' : ''}${first ? ` Seed ${first.seed}, ${escapeHtml(formatDuration(first.durationMs))} simulated.` : ''}</p>
<table><thead><tr><th></th>${reports.map((r) => `<th>${escapeHtml(r.config)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
<div class="runs">
${runs.map(charts).join('\n')}
</div>
</body></html>
`;
}
