// GET /: one static page, no external assets. It asks for the token and sends it with its API calls.
import type { Hono } from 'hono';
import { TASK_STATUSES } from '../types.ts';
import { DASHBOARD_SCRIPT } from './dashboard-script.ts';
import { DASHBOARD_STYLE } from './dashboard-style.ts';

const STATUS_OPTIONS = ['', ...TASK_STATUSES].map((s) => `<option value="${s}">${s || 'any status'}</option>`).join('');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Warden</title><style>${DASHBOARD_STYLE}</style></head>
<body>
<header><h1>Warden</h1><span id="health-pill" class="pill" role="status">…</span>
<input id="token" type="password" placeholder="bearer token" autocomplete="off" aria-label="bearer token">
<button id="save">use token</button><button id="forget">forget</button><span id="who" class="muted"></span>
<div id="status" role="status" aria-live="polite"></div></header>
<main>
<section class="wide" id="attention-box"><h2>Needs a person <small id="attention-count"></small></h2><div id="attention">…</div></section>
<section class="wide"><h2>Last hour <small>live, from the event stream since this page opened</small></h2><div class="charts" id="charts"></div></section>
<section class="wide"><h2>Tasks <small id="tasks-count"></small></h2>
<div class="filters">
<select id="f-status" aria-label="status">${STATUS_OPTIONS}</select>
<input id="f-agent" placeholder="agent" size="10" aria-label="agent"><input id="f-type" placeholder="type" size="10" aria-label="type">
<select id="f-order" aria-label="order"><option value="desc">newest first</option><option value="asc">oldest first</option></select>
<select id="f-limit" aria-label="page size"><option>25</option><option selected>50</option><option>100</option></select>
<button id="filter" class="primary">filter</button><button id="prev" disabled>‹ prev</button><button id="next" disabled>next ›</button>
</div>
<div class="scroll"><table id="tasks" class="stack"></table></div><div id="detail"></div></section>
<section class="wide"><h2>Agents</h2><div class="scroll"><table id="agents" class="stack"></table></div></section>
<section><h2>Supervision tree</h2><div id="tree"></div></section>
<section id="providers-box" hidden><h2>Providers</h2><div class="scroll"><table id="providers" class="stack"></table></div></section>
<section><h2>Alerts <small>by component</small></h2><div class="scroll"><table id="alerts" class="stack"></table></div></section>
<section class="wide"><h2>Live events <small id="live">connecting…</small></h2>
<div class="filters"><input id="f-events" placeholder="filter: id, agent, state, event…" aria-label="event filter" size="30"></div>
<pre id="events"></pre></section>
</main>
<dialog id="resolve-dialog" aria-labelledby="resolve-title"><div>
<h3 id="resolve-title">Resolve task</h3>
<p class="muted">The task ends SUCCEEDED with this output. It must be JSON.</p>
<pre id="resolve-context"></pre>
<textarea id="resolve-output" spellcheck="false" aria-label="output (JSON)">null</textarea>
<p id="resolve-error" class="bad" role="alert"></p>
<button id="resolve-ok" class="primary">resolve</button><button id="resolve-cancel">close</button>
</div></dialog>
<script>${DASHBOARD_SCRIPT}</script>
</body></html>`;

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function mountDashboard(app: Hono): void {
  app.get('/', (c) => c.html(DASHBOARD_HTML, 200, HEADERS));
}
