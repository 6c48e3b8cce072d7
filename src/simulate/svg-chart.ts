// A line chart as an inline SVG string: no library, no external reference, so the HTML report opens
// without a network. Inline SVG in HTML needs no xmlns (that would be the one URL on the page).
export interface Line {
  name: string;
  color: string;
  values: readonly number[];
}

const W = 640;
const H = 240;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** A shaded stretch of the x axis, in steps (a fault window). */
export interface Band {
  from: number;
  to: number;
  label: string;
}

/** `lines` share an x axis of `points` steps, `stepLabel(i)` naming step i on the axis. */
export function lineChart(opts: { title: string; lines: readonly Line[]; points: number; stepLabel: (i: number) => string; bands?: readonly Band[] }): string {
  const { lines, points } = opts;
  const yMax = niceMax(Math.max(0, ...lines.flatMap((l) => l.values)));
  const x = (i: number) => PAD.left + (points <= 1 ? 0 : (i / (points - 1)) * (W - PAD.left - PAD.right));
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = yMax * f;
    return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/><text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toPrecision(3))}</text>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const i = Math.round(f * Math.max(0, points - 1));
    return `<text x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="middle">${escapeHtml(opts.stepLabel(i))}</text>`;
  });
  const paths = lines.map((l) => {
    const d = l.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.5"><title>${escapeHtml(l.name)}</title></path>`;
  });
  const bands = (opts.bands ?? []).map((b) => {
    const x0 = x(Math.max(0, b.from));
    const x1 = x(Math.min(points - 1, b.to));
    return `<rect x="${x0.toFixed(1)}" y="${PAD.top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${H - PAD.top - PAD.bottom}" class="band"><title>${escapeHtml(b.label)}</title></rect>`;
  });
  const legend = lines.map((l) => `<span class="key"><i style="background:${l.color}"></i>${escapeHtml(l.name)}</span>`).join(' ');
  return [
    `<figure><figcaption>${escapeHtml(opts.title)}</figcaption>`,
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(opts.title)}">`,
    ...bands,
    ...grid,
    ...ticks,
    ...paths,
    '</svg>',
    `<div class="legend">${legend}</div></figure>`,
  ].join('\n');
}
