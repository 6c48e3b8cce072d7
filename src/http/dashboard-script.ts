// The dashboard's inline script. It renders only through textContent (never innerHTML), so every
// value from the API is escaped; the token lives in sessionStorage and goes out as a bearer header.
// Written without template literals so it can sit inside a TypeScript string.
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
var KEY = 'warden-token';
var state = { cursor: null, cursors: [], events: [], lastEventId: null, streamCtl: null };
function $(id) { return document.getElementById(id); }
function el(tag, attrs, kids) {
  var n = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) {
    if (k === 'text') n.textContent = String(attrs[k]);
    else if (k === 'onclick') n.addEventListener('click', attrs[k]);
    else n.setAttribute(k, String(attrs[k]));
  });
  (kids || []).forEach(function (c) { n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return n;
}
function fill(id, nodes) { var t = $(id); t.replaceChildren.apply(t, nodes); }
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
          if (res.status === 401) m = 'unauthorized: enter the token';
          throw new Error(m);
        }
        return data;
      });
    });
}
function act(method, path, body) {
  return api(method, path, body).then(function () { say(method + ' ' + path + ' done'); refresh(); })
    .catch(function (e) { say(e.message, true); });
}
function btn(label, fn) { return el('button', { text: label, onclick: fn }); }
function row(cells) { return el('tr', null, cells.map(function (c) { return el('td', null, [typeof c === 'string' ? c : c]); })); }
function head(cells) { return el('tr', null, cells.map(function (c) { return el('th', { text: c }); })); }
function table(id, titles, rows) { fill(id, [head(titles)].concat(rows)); }
function mb(n) { return (n / 1048576).toFixed(1) + ' MiB'; }
function enc(s) { return encodeURIComponent(s); }

function loadHealth() {
  return api('GET', '/api/health/detailed').then(function (h) {
    var t = h.tasks.byStatus, counts = Object.keys(t).map(function (k) { return k + ' ' + t[k]; }).join(' · ');
    fill('health', [
      el('span', { 'class': 'pill ' + h.status, text: h.status }),
      ' up ' + Math.round(h.uptimeMs / 1000) + ' s · rss ' + mb(h.memory.rss) + ' · loop lag p99 ' + h.eventLoopLagMs.p99Ms.toFixed(1) + ' ms' +
      (h.disk ? ' · disk free ' + mb(h.disk.freeBytes) : '') + ' · tasks ' + h.tasks.total + ' (' + counts + ')'
    ]);
    table('breakers', ['agent', 'state', 'failures', 'opened', ''], h.breakers.map(function (b) {
      return row([b.agent, el('span', { 'class': 'pill ' + b.state, text: b.state }), String(b.failures), b.openedAt || '',
        btn('reset', function () { act('POST', '/api/health/circuit-breakers/' + enc(b.agent) + '/reset'); })]);
    }));
    table('agents', ['agent', 'role', 'lifecycle', 'circuit', 'restarts', 'in flight', 'queued', ''], h.agents.map(function (a) {
      return row([a.name, a.role, el('span', { 'class': 'pill ' + a.lifecycle, text: a.lifecycle }), a.circuit, String(a.restarts),
        a.inFlight + '/' + a.concurrency, String(a.queued), el('span', null, ['restart', 'stop', 'start'].map(function (v) {
          return btn(v, function () { act('POST', '/api/agents/' + enc(a.name) + '/' + v); });
        }))]);
    }));
  });
}
function loadAlerts() {
  return api('GET', '/api/health/alerts?limit=50').then(function (list) {
    table('alerts', ['at', 'level', 'component', 'message'], list.map(function (a) {
      return row([a.at, el('span', { 'class': 'pill ' + a.level, text: a.level }), a.component, a.message]);
    }));
  });
}
function showHistory(id) {
  api('GET', '/api/tasks/' + enc(id) + '/history').then(function (recs) {
    fill('history', [el('h3', { text: 'history of ' + id }), el('pre', { text: recs.map(function (r) {
      return new Date(r.at).toISOString() + '  ' + (r.from || '-') + ' → ' + r.to + '  ' + r.event +
        (r.attempt ? '  attempt ' + r.attempt : '') + (r.error ? '  ' + r.error.kind + ': ' + r.error.message : '');
    }).join('\n') })]);
  }).catch(function (e) { say(e.message, true); });
}
function resolveTask(id) {
  var text = prompt('output (JSON) for task ' + id, 'null');
  if (text === null) return;
  var output; try { output = JSON.parse(text); } catch (e) { say('not JSON: ' + e.message, true); return; }
  act('POST', '/api/tasks/' + enc(id) + '/resolve', { output: output });
}
function loadTasks() {
  var q = new URLSearchParams();
  if ($('f-status').value) q.set('status', $('f-status').value);
  if ($('f-agent').value) q.set('agent', $('f-agent').value);
  q.set('limit', $('f-limit').value || '50');
  if (state.cursor) q.set('cursor', state.cursor);
  return api('GET', '/api/tasks?' + q.toString()).then(function (page) {
    table('tasks', ['id', 'type', 'agent', 'status', 'attempts', 'updated', 'error', ''], page.items.map(function (t) {
      var id = t.id, base = '/api/tasks/' + enc(id) + '/';
      return row([id.slice(0, 8), t.type, t.agent, el('span', { 'class': 'pill ' + t.status, text: t.status }),
        t.attempts + '/' + (t.maxRetries + 1), t.updatedAt, t.error ? t.error.kind + ': ' + t.error.message : '',
        el('span', null, [btn('cancel', function () { act('POST', base + 'cancel'); }), btn('retry', function () { act('POST', base + 'retry'); }),
          btn('resolve', function () { resolveTask(id); }), btn('history', function () { showHistory(id); })])]);
    }));
    $('next').disabled = !page.nextCursor; $('next').dataset.cursor = page.nextCursor || '';
    $('prev').disabled = state.cursors.length === 0;
  });
}
function refresh() {
  return Promise.all([loadHealth(), loadAlerts(), loadTasks()]).then(function () { say('updated ' + new Date().toLocaleTimeString()); })
    .catch(function (e) { say(e.message, true); });
}
function logEvent(r) {
  state.events.unshift((r.seq + '').padStart(6) + '  ' + new Date(r.at).toISOString().slice(11, 23) + '  ' + r.kind + ' ' + r.id.slice(0, 12) +
    '  ' + (r.from || '-') + ' → ' + r.to + '  ' + r.event + (r.error ? '  ' + r.error.kind : ''));
  state.events.length = Math.min(state.events.length, 200);
  $('events').textContent = state.events.join('\n');
}
function connect() {
  if (state.streamCtl) state.streamCtl.abort();
  var ctl = new AbortController(); state.streamCtl = ctl;
  var h = headers(false); if (state.lastEventId) h['Last-Event-ID'] = state.lastEventId;
  fetch('/api/events', { headers: h, signal: ctl.signal }).then(function (res) {
    if (!res.ok || !res.body) throw new Error('events: HTTP ' + res.status);
    $('live').textContent = 'live';
    var reader = res.body.getReader(), dec = new TextDecoder(), buf = '';
    function pump() {
      return reader.read().then(function (x) {
        if (x.done) throw new Error('events: stream ended');
        buf += dec.decode(x.value, { stream: true });
        var frames = buf.split('\n\n'); buf = frames.pop();
        frames.forEach(function (f) {
          var data = '', id = null;
          f.split('\n').forEach(function (line) {
            if (line.indexOf('data: ') === 0) data += line.slice(6);
            else if (line.indexOf('id: ') === 0) id = line.slice(4);
          });
          if (id) state.lastEventId = id;
          if (data) { try { logEvent(JSON.parse(data)); } catch (e) { /* not a record */ } }
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
$('token').value = token();
$('save').addEventListener('click', function () { sessionStorage.setItem(KEY, $('token').value.trim()); refresh(); connect(); });
$('forget').addEventListener('click', function () { sessionStorage.removeItem(KEY); $('token').value = ''; });
$('filter').addEventListener('click', function () { state.cursor = null; state.cursors = []; loadTasks().catch(function (e) { say(e.message, true); }); });
$('next').addEventListener('click', function () { state.cursors.push(state.cursor); state.cursor = $('next').dataset.cursor; loadTasks(); });
$('prev').addEventListener('click', function () { state.cursor = state.cursors.pop() || null; loadTasks(); });
refresh(); connect(); setInterval(refresh, 5000);
`;
