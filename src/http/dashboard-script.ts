// The dashboard's inline script: the core (DOM helpers, API calls with the token, the role, the live
// stream) and the boot, with the views and charts of dashboard-views.ts and dashboard-charts.ts between.
// It renders only through textContent (never innerHTML), so every value from the API is escaped; the
// token lives in sessionStorage and goes out as a bearer header. Written without template literals so
// it can sit inside a TypeScript string.
import { DASHBOARD_CHARTS } from './dashboard-charts.ts';
import { DASHBOARD_TASKS } from './dashboard-tasks.ts';
import { DASHBOARD_VIEWS } from './dashboard-views.ts';

const CORE = String.raw`
'use strict';
var KEY = 'warden-token';
var state = { cursor: null, cursors: [], events: [], lastEventId: null, streamCtl: null, role: 'admin', who: null,
  providers: false, hasWho: false, secured: true, api: null, detailId: null, health: null };
function $(id) { return document.getElementById(id); }
function el(tag, attrs, kids) {
  var n = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) {
    if (attrs[k] === undefined || attrs[k] === null) return;
    if (k === 'text') n.textContent = String(attrs[k]);
    else if (k === 'onclick') n.addEventListener('click', attrs[k]);
    else n.setAttribute(k, String(attrs[k]));
  });
  (kids || []).forEach(function (c) { if (c !== null && c !== undefined) n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return n;
}
function fill(id, nodes) { var t = typeof id === 'string' ? $(id) : id; t.replaceChildren.apply(t, nodes); }
function token() { return sessionStorage.getItem(KEY) || ''; }
function headers(json) {
  var h = {}; if (token()) h.Authorization = 'Bearer ' + token();
  if (json) h['Content-Type'] = 'application/json';
  return h;
}
function say(msg, bad) { var s = $('status'); s.textContent = msg; s.className = bad ? 'bad' : ''; }
function api(method, path, body) {
  return fetch(path, { method: method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) })
    .then(function (res) {
      return res.text().then(function (t) {
        var data = null; try { data = t ? JSON.parse(t) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var m = data && data.error ? data.error.code + ': ' + data.error.message : 'HTTP ' + res.status;
          if (res.status === 401) m = 'unauthorized: enter the token above';
          var err = new Error(m); err.status = res.status; throw err;
        }
        return data;
      });
    });
}
// An action, then a refresh; the outcome is announced in the status line.
function act(label, method, path, body) {
  return api(method, path, body).then(function () { say(label + ': done'); return refresh(); })
    .catch(function (e) { say(label + ': ' + e.message, true); });
}
function btn(label, fn, cls) { return el('button', { text: label, onclick: fn, 'class': cls }); }
function pill(word, cls) { return el('span', { 'class': 'pill ' + (cls || word), text: word }); }
function cell(c, cls) { return el('td', { 'class': cls }, [c === undefined || c === null ? '' : typeof c === 'string' ? c : c]); }
function row(cells) { return el('tr', null, cells.map(function (c) { return c && c.tagName === 'TD' ? c : cell(c); })); }
function head(cells) { return el('tr', null, cells.map(function (c) { return el('th', { text: c }); })); }
// Each cell carries its column's title: on a narrow screen the rows become stacked cards that show it.
function table(id, titles, rows, empty) {
  rows.forEach(function (r) { Array.prototype.forEach.call(r.children, function (td, i) { if (titles[i]) td.setAttribute('data-label', titles[i]); }); });
  fill(id, rows.length ? [head(titles)].concat(rows) : [el('tr', null, [el('td', { 'class': 'muted', text: empty || 'none' })])]);
}
function mb(n) { return (n / 1048576).toFixed(1) + ' MiB'; }
function enc(s) { return encodeURIComponent(s); }
function ago(t) {
  if (t === undefined || t === null) return '';
  var ms = Date.now() - (typeof t === 'number' ? t : Date.parse(t));
  var s = Math.round(Math.abs(ms) / 1000), w = s < 60 ? s + ' s' : s < 3600 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h';
  return ms >= 0 ? w + ' ago' : 'in ' + w;
}
function when(t) { return el('span', { title: t ? new Date(t).toISOString() : '', text: ago(t) }); }
// What the signed-in role may do (viewer: nothing; operator: task actions and breaker reset; admin: all).
function may(what) {
  if (state.role === 'admin') return true;
  if (state.role === 'operator') return what === 'task' || what === 'breaker';
  return false;
}
// What this server offers, from its own /openapi.json (open to all): whether it asks for a token and
// whether /api/whoami and /api/providers exist, so the page never calls a route that is not there.
function loadApi() {
  return api('GET', '/openapi.json').then(function (doc) {
    var paths = (doc && doc.paths) || {};
    state.secured = !!(doc && doc.components && doc.components.securitySchemes);
    state.hasWho = !!paths['/api/whoami']; state.providers = !!paths['/api/providers'];
  }).catch(function () { state.secured = true; state.hasWho = true; state.providers = true; });
}
function needsToken() { return state.secured && !token(); }
function loadWho() {
  if (!state.hasWho) { state.role = 'admin'; state.who = null; return Promise.resolve(); }
  return api('GET', '/api/whoami').then(function (w) {
    state.who = w && w.name ? w.name : null; state.role = w && w.role ? w.role : 'admin';
  }).catch(function (e) { if (e.status === 404) { state.role = 'admin'; state.who = null; state.hasWho = false; } else throw e; })
    .then(function () { $('who').textContent = state.who ? state.who + ' (' + state.role + ')' : ''; });
}
`;

const BOOT = String.raw`
function refresh() {
  if (needsToken()) { say('enter the token above to see this Warden', true); return Promise.resolve(); }
  return Promise.all([loadHealth(), loadAlerts(), loadTasks(), loadProviders()]).then(function () {
    renderAttention(); if (state.detailId) showDetail(state.detailId, true);
    say('updated ' + new Date().toLocaleTimeString());
  }).catch(function (e) { say(e.message, true); });
}
function connect() {
  if (state.streamCtl) state.streamCtl.abort();
  if (needsToken()) { $('live').textContent = 'needs the token'; return; }
  var ctl = new AbortController(); state.streamCtl = ctl;
  var h = headers(false); if (state.lastEventId) h['Last-Event-ID'] = state.lastEventId;
  fetch('/api/events', { headers: h, signal: ctl.signal }).then(function (res) {
    if (!res.ok || !res.body) throw new Error(res.status === 401 ? 'needs the token' : 'HTTP ' + res.status);
    $('live').textContent = 'live';
    var reader = res.body.getReader(), dec = new TextDecoder(), buf = '';
    function pump() {
      return reader.read().then(function (x) {
        if (x.done) throw new Error('stream ended');
        buf += dec.decode(x.value, { stream: true });
        var frames = buf.split('\n\n'); buf = frames.pop();
        frames.forEach(function (f) {
          var data = '', id = null;
          f.split('\n').forEach(function (line) {
            if (line.indexOf('data: ') === 0) data += line.slice(6);
            else if (line.indexOf('id: ') === 0) id = line.slice(4);
          });
          if (id) state.lastEventId = id;
          if (data) { var r = null; try { r = JSON.parse(data); } catch (e) { r = null; } if (r) onRecord(r); }
        });
        return pump();
      });
    }
    return pump();
  }).catch(function (e) {
    if (ctl.signal.aborted) return;
    $('live').textContent = 'reconnecting (' + e.message + ')';
    setTimeout(connect, 3000);
  });
}
var soon = null;
// A record updates the charts and the stream at once; the tables follow within a second.
function onRecord(r) {
  logEvent(r); chartRecord(r);
  if (!soon) soon = setTimeout(function () { soon = null; refresh(); }, 800);
}
function start() {
  return (state.api || (state.api = loadApi())).then(function () { if (needsToken()) return refresh(); connect(); return loadWho().catch(function () {}).then(refresh); });
}
$('token').value = token();
$('save').addEventListener('click', function () { sessionStorage.setItem(KEY, $('token').value.trim()); start(); });
$('forget').addEventListener('click', function () { sessionStorage.removeItem(KEY); $('token').value = ''; say('token forgotten'); });
$('filter').addEventListener('click', function () { state.cursor = null; state.cursors = []; loadTasks().catch(function (e) { say(e.message, true); }); });
$('next').addEventListener('click', function () { state.cursors.push(state.cursor); state.cursor = $('next').dataset.cursor; loadTasks(); });
$('prev').addEventListener('click', function () { state.cursor = state.cursors.pop() || null; loadTasks(); });
$('f-events').addEventListener('input', renderEvents);
wireResolveDialog();
drawCharts(); renderEvents(); start(); setInterval(refresh, 5000); setInterval(drawCharts, 10000);
`;

export const DASHBOARD_SCRIPT = CORE + DASHBOARD_VIEWS + DASHBOARD_TASKS + DASHBOARD_CHARTS + BOOT;
