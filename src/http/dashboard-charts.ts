// Dashboard charts of the last hour, drawn as inline SVG from the live record stream: task outcomes per
// minute, failures by error kind, attempts per agent. Part of the one inline script.
export const DASHBOARD_CHARTS = String.raw`
var SVG = 'http://www.w3.org/2000/svg';
var OUTCOMES = [['SUCCEEDED', '#2f9e4f'], ['FAILED', '#e07b00'], ['ESCALATED', '#c2162e'], ['CANCELLED', '#7a8394']];
var chart = { minutes: {}, kinds: {}, agents: {} };
function minuteOf(at) { return Math.floor(at / 60000); }
function chartRecord(r) {
  if (r.kind !== 'task') return;
  var m = minuteOf(r.at), b = chart.minutes[m] || (chart.minutes[m] = {});
  b[r.to] = (b[r.to] || 0) + 1;
  if (r.error) bump(chart.kinds, r.error.kind, r.at);
  if (r.to === 'IN_PROGRESS' && r.agent) bump(chart.agents, r.agent, r.at);
  scheduleDraw();
}
// Counts kept per minute so that an hour-old entry can be dropped.
function bump(map, key, at) { var m = minuteOf(at), k = map[key] || (map[key] = {}); k[m] = (k[m] || 0) + 1; }
function lastHour(map) {
  var since = minuteOf(Date.now()) - 59, out = [];
  Object.keys(map).forEach(function (key) {
    var n = 0; Object.keys(map[key]).forEach(function (m) { if (+m >= since) n += map[key][m]; else delete map[key][m]; });
    if (n) out.push([key, n]);
  });
  return out.sort(function (a, b) { return b[1] - a[1]; });
}
var drawPending = false;
function scheduleDraw() { if (!drawPending) { drawPending = true; setTimeout(function () { drawPending = false; drawCharts(); }, 500); } }
function svg(tag, attrs, kids) {
  var n = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') n.textContent = String(attrs[k]); else n.setAttribute(k, String(attrs[k])); });
  (kids || []).forEach(function (c) { n.appendChild(c); });
  return n;
}
function outcomeChart() {
  var now = minuteOf(Date.now()), W = 300, H = 110, bw = W / 60, max = 1, bars = [], m, i;
  for (m in chart.minutes) if (+m < now - 59) delete chart.minutes[m];
  for (i = 0; i < 60; i++) {
    var b = chart.minutes[now - 59 + i] || {}, tot = 0;
    OUTCOMES.forEach(function (o) { tot += b[o[0]] || 0; }); max = Math.max(max, tot);
  }
  for (i = 0; i < 60; i++) {
    var bk = chart.minutes[now - 59 + i] || {}, y = H;
    OUTCOMES.forEach(function (o) {
      var n = bk[o[0]] || 0; if (!n) return;
      var h = (n / max) * (H - 12); y -= h;
      bars.push(svg('rect', { x: (i * bw).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 1).toFixed(1), height: h.toFixed(1), fill: o[1] },
        [svg('title', { text: o[0] + ': ' + n + ' (' + (59 - i) + ' min ago)' })]));
    });
  }
  var axis = [svg('line', { x1: 0, y1: H, x2: W, y2: H, stroke: '#9aa3b2' }), svg('text', { x: 0, y: 10, 'font-size': 10, fill: '#5b6577', text: 'max ' + max + '/min' }),
    svg('text', { x: W, y: H + 11, 'font-size': 10, 'text-anchor': 'end', fill: '#5b6577', text: 'now' }),
    svg('text', { x: 0, y: H + 11, 'font-size': 10, fill: '#5b6577', text: '60 min ago' })];
  if (!bars.length) axis.push(svg('text', { x: W / 2, y: H / 2, 'font-size': 11, 'text-anchor': 'middle', fill: '#5b6577', text: 'no task finished since this page opened' }));
  var legend = el('div', { 'class': 'legend' }, OUTCOMES.map(function (o) { return el('span', null, [el('i', { style: 'background:' + o[1] }), o[0]]); }));
  return el('div', { 'class': 'chart' }, [el('h3', { text: 'Task outcomes per minute' }),
    svg('svg', { viewBox: '0 0 ' + W + ' ' + (H + 14), role: 'img', 'aria-label': 'task outcomes per minute, last hour' }, axis.concat(bars)), legend]);
}
function barChart(title, pairs, colour, empty) {
  var W = 300, row = 18, top = pairs.slice(0, 8), max = top.length ? top[0][1] : 1, label = 110;
  var kids = [];
  top.forEach(function (p, i) {
    var w = Math.max(2, (p[1] / max) * (W - label - 40));
    kids.push(svg('text', { x: 0, y: i * row + 13, 'font-size': 11, fill: '#1d2330', text: p[0].length > 16 ? p[0].slice(0, 15) + '…' : p[0] }));
    kids.push(svg('rect', { x: label, y: i * row + 3, width: w.toFixed(1), height: row - 6, fill: colour }, [svg('title', { text: p[0] + ': ' + p[1] })]));
    kids.push(svg('text', { x: label + w + 4, y: i * row + 13, 'font-size': 11, fill: '#1d2330', text: String(p[1]) }));
  });
  var body = top.length ? svg('svg', { viewBox: '0 0 ' + W + ' ' + Math.max(row, top.length * row), role: 'img', 'aria-label': title }, kids)
    : el('p', { 'class': 'muted', text: empty });
  return el('div', { 'class': 'chart' }, [el('h3', { text: title }), body]);
}
function drawCharts() {
  fill('charts', [outcomeChart(), barChart('Failures by error kind', lastHour(chart.kinds), '#c2162e', 'no failures in the last hour'),
    barChart('Attempts per agent', lastHour(chart.agents), '#1f5fbf', 'no attempts in the last hour')]);
}
`;
