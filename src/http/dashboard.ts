// GET /: one static page, no external assets. It asks for the token and sends it with its API calls.
import type { Hono } from 'hono';
import { TASK_STATUSES } from '../types.ts';
import { DASHBOARD_SCRIPT } from './dashboard-script.ts';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{display:flex;gap:.5rem;align-items:center;padding:.6rem 1rem;background:#1d2330;color:#fff;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0 1rem 0 0}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(32rem,1fr));gap:1rem;padding:1rem}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.6rem .8rem;overflow:auto}
h2{font-size:1rem;margin:.2rem 0 .5rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #eef0f3;white-space:nowrap}
button{margin-right:.2rem;cursor:pointer}pre{font-size:12px;max-height:22rem;overflow:auto;margin:0}
.pill{padding:0 .4rem;border-radius:8px;background:#e8ebf0}.bad{color:#b00020}
.ok,.CLOSED,.RUNNING,.SUCCEEDED{background:#d7f5dd}.degraded,.HALF_OPEN,.RESTARTING,.RETRY_WAIT,.WARNING{background:#fff1c2}
.failing,.OPEN,.ESCALATED,.FAILED,.CRITICAL{background:#ffd6d6}.wide{grid-column:1/-1}
`;

const STATUS_OPTIONS = ['', ...TASK_STATUSES].map((s) => `<option value="${s}">${s || 'any status'}</option>`).join('');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Warden</title><style>${STYLE}</style></head>
<body>
<header><h1>Warden</h1>
<input id="token" type="password" placeholder="bearer token" autocomplete="off" size="28">
<button id="save">use token</button><button id="forget">forget</button>
<span id="status"></span></header>
<main>
<section class="wide"><h2>Health</h2><div id="health">…</div></section>
<section><h2>Circuit breakers</h2><table id="breakers"></table></section>
<section><h2>Agents</h2><table id="agents"></table></section>
<section class="wide"><h2>Tasks</h2>
<select id="f-status">${STATUS_OPTIONS}</select>
<input id="f-agent" placeholder="agent" size="12"><input id="f-limit" type="number" min="1" max="1000" value="50" style="width:5rem">
<button id="filter">filter</button><button id="prev" disabled>prev</button><button id="next" disabled>next</button>
<table id="tasks"></table><div id="history"></div></section>
<section><h2>Alerts</h2><table id="alerts"></table></section>
<section><h2>Live events <small id="live">connecting…</small></h2><pre id="events"></pre></section>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body></html>`;

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function mountDashboard(app: Hono): void {
  app.get('/', (c) => c.html(DASHBOARD_HTML, 200, HEADERS));
}
