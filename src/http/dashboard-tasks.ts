// Dashboard views of tasks: the filtered, paged list (newest first), only the actions the state allows,
// the detail with its history as a timeline, and the JSON editor that resolves an escalated task.
export const DASHBOARD_TASKS = String.raw`
var TERMINAL = { SUCCEEDED: true, CANCELLED: true };
function taskBase(t) { return '/api/tasks/' + enc(t.id) + '/'; }
function taskActions(t, withOpen) {
  var kids = [];
  if (withOpen) kids.push(btn('open', function () { showDetail(t.id); }));
  if (!may('task')) return el('span', null, kids);
  // A spent budget is refused a plain retry: the button grants as much again as the task's budget.
  var spent = t.error && t.error.kind === 'budget' && t.budget;
  if ((t.status === 'FAILED' || t.status === 'ESCALATED') && !spent) kids.push(btn('retry', function () { act('retry ' + short(t.id), 'POST', taskBase(t) + 'retry'); }));
  if (t.status === 'ESCALATED' && spent) kids.push(btn('retry +budget', function () { act('retry ' + short(t.id) + ' with more budget', 'POST', taskBase(t) + 'retry', { budget: t.budget }); }, 'primary'));
  if (t.status === 'ESCALATED') kids.push(btn('resolve…', function () { openResolve(t); }, 'primary'));
  if (!TERMINAL[t.status]) kids.push(btn('cancel', function () { act('cancel ' + short(t.id), 'POST', taskBase(t) + 'cancel'); }, 'danger'));
  return el('span', null, kids);
}
function short(id) { return id.length > 12 ? id.slice(0, 8) + '…' : id; }
function errText(e) { return e ? e.kind + (e.status ? ' ' + e.status : '') + ': ' + e.message : ''; }
function usageText(u) {
  if (!u) return '';
  var parts = [];
  if (u.turns !== undefined) parts.push(u.turns + ' turns');
  if (u.tokens !== undefined) parts.push(u.tokens + ' tokens');
  if (u.costUsd !== undefined) parts.push('$' + Number(u.costUsd).toFixed(4));
  if (u.wallMs !== undefined) parts.push(Math.round(u.wallMs) + ' ms');
  return parts.join(' · ');
}
function escalatedCard(t) {
  var lines = [t.agent + ' · ' + t.type + ' · ' + t.attempts + ' attempt' + (t.attempts === 1 ? '' : 's') + ' · escalated ' + ago(t.updatedAt)];
  if (t.error) lines.unshift(el('span', { 'class': 'bad', text: errText(t.error) }));
  if (t.usage) lines.push('usage: ' + usageText(t.usage) + (t.budget ? ' of ' + usageText(t.budget) : ''));
  return card([pill('ESCALATED'), ' ', el('strong', { text: short(t.id), title: t.id })], lines, [taskActions(t, true)]);
}
function loadEscalated() {
  return api('GET', '/api/tasks?status=ESCALATED&order=desc&limit=20').then(function (page) { state.escalated = page.items; });
}
function taskQuery() {
  var q = new URLSearchParams();
  ['status', 'agent', 'type'].forEach(function (k) { var v = $('f-' + k).value.trim(); if (v) q.set(k, v); });
  q.set('order', $('f-order').value); q.set('limit', $('f-limit').value);
  if (state.cursor) q.set('cursor', state.cursor);
  return q.toString();
}
function loadTasks() {
  return Promise.all([api('GET', '/api/tasks?' + taskQuery()), loadEscalated()]).then(function (res) {
    var page = res[0];
    table('tasks', ['id', 'status', 'agent', 'type', 'attempts', 'updated', 'error', ''], page.items.map(function (t) {
      var r = row([cell(el('a', { href: '#', text: short(t.id), title: t.id, onclick: function (ev) { ev.preventDefault(); showDetail(t.id); } }), 'id'),
        pill(t.status), t.agent, t.type, cell(t.attempts + ' / ' + (t.maxRetries + 1), 'num'), when(t.updatedAt), errText(t.error), taskActions(t, false)]);
      r.dataset.id = t.id; r.dataset.status = t.status;
      return r;
    }), 'no task matches');
    $('tasks-count').textContent = page.items.length + ' shown' + (page.nextCursor ? ', more on the next page' : '');
    $('next').disabled = !page.nextCursor; $('next').dataset.cursor = page.nextCursor || '';
    $('prev').disabled = state.cursors.length === 0;
  });
}
function timelineItem(r, prev) {
  var cls = r.error ? 'err' : r.to === 'SUCCEEDED' ? 'done' : '';
  var kids = [el('span', { 'class': 'muted', text: new Date(r.at).toISOString().slice(11, 23) + ' ' }), pill(r.to), ' ', el('span', { 'class': 'muted', text: r.event })];
  if (r.attempt) kids.push(' · attempt ' + r.attempt);
  if (r.agent) kids.push(' · agent ' + r.agent);
  if (r.by) kids.push(' · by ' + r.by);
  if (r.reason) kids.push(' · reason: ' + r.reason);
  // FAILED and the ESCALATED or RETRY_WAIT that follows carry the same error: say it once.
  var repeated = r.error && prev && prev.error && prev.error.message === r.error.message && prev.attempt === r.attempt;
  if (r.error && !repeated) kids.push(el('div', { 'class': 'bad', text: errText(r.error) + (r.error.retryAfterMs !== undefined ? ' · Retry-After ' + Math.round(r.error.retryAfterMs) + ' ms' : '') }));
  if (prev && prev.to === 'RETRY_WAIT') kids.push(el('div', { 'class': 'muted', text: 'waited ' + Math.round((r.at - prev.at) / 100) / 10 + ' s' }));
  return el('li', { 'class': cls }, kids);
}
function showDetail(id, quiet) {
  state.detailId = id;
  return Promise.all([api('GET', '/api/tasks/' + enc(id)), api('GET', '/api/tasks/' + enc(id) + '/history')]).then(function (res) {
    var t = res[0], recs = res[1];
    var facts = [pill(t.status), ' ', t.agent + ' · ' + t.type + ' · attempts ' + t.attempts + ' / ' + (t.maxRetries + 1) + ' · created ' + ago(t.createdAt)];
    if (t.nextRetryAt) facts.push(' · next retry ' + ago(t.nextRetryAt));
    var kids = [el('h3', null, ['Task ', el('code', { text: t.id }), ' ', btn('close', function () { state.detailId = null; fill('detail', []); })]),
      el('p', null, facts), taskActions(t, false)];
    if (t.error && TERMINAL[t.status]) kids.push(el('p', { 'class': 'muted', text: 'last error: ' + errText(t.error) }));
    else if (t.error) kids.push(el('p', { 'class': 'bad', text: 'error: ' + errText(t.error) }));
    if (t.lastError && !t.error) kids.push(el('p', { 'class': 'muted', text: 'last error: ' + errText(t.lastError) }));
    if (t.usage || t.budget) kids.push(el('p', { text: 'usage: ' + usageText(t.usage) + (t.budget ? ' · budget: ' + usageText(t.budget) : '') }));
    kids.push(el('h3', { text: 'History' }), el('ol', { 'class': 'timeline' }, recs.map(function (r, i) { return timelineItem(r, recs[i - 1]); })));
    kids.push(el('h3', { text: 'Input' }), el('pre', { text: JSON.stringify(t.input, null, 2) }));
    if (t.checkpoint !== undefined) kids.push(el('h3', { text: 'Checkpoint' }), el('pre', { text: JSON.stringify(t.checkpoint, null, 2) }));
    if (t.output !== undefined) kids.push(el('h3', { text: 'Output' + (t.resolvedBy ? ' (resolved by a person)' : '') }), el('pre', { text: JSON.stringify(t.output, null, 2) }));
    fill('detail', kids);
    if (!quiet) $('detail').scrollIntoView({ block: 'nearest' });
  }).catch(function (e) { if (!quiet) say(e.message, true); });
}
var resolving = null;
function openResolve(t) {
  resolving = t; $('resolve-title').textContent = 'Resolve task ' + short(t.id) + ' (' + t.agent + ')';
  $('resolve-output').value = t.checkpoint !== undefined ? JSON.stringify(t.checkpoint, null, 2) : 'null';
  $('resolve-context').textContent = (t.error ? 'failed with ' + errText(t.error) + '\n' : '') + 'input: ' + JSON.stringify(t.input, null, 2);
  $('resolve-error').textContent = ''; $('resolve-dialog').showModal(); $('resolve-output').focus();
}
function checkResolve() {
  try { JSON.parse($('resolve-output').value); $('resolve-error').textContent = ''; $('resolve-ok').disabled = false; return true; }
  catch (e) { $('resolve-error').textContent = 'not JSON: ' + e.message; $('resolve-ok').disabled = true; return false; }
}
function wireResolveDialog() {
  $('resolve-output').addEventListener('input', checkResolve);
  $('resolve-cancel').addEventListener('click', function () { $('resolve-dialog').close(); });
  $('resolve-ok').addEventListener('click', function () {
    if (!resolving || !checkResolve()) return;
    var t = resolving, output = JSON.parse($('resolve-output').value);
    api('POST', taskBase(t) + 'resolve', { output: output }).then(function () {
      $('resolve-dialog').close(); resolving = null; say('resolve ' + short(t.id) + ': done'); return refresh();
    }).catch(function (e) { $('resolve-error').textContent = e.message; });
  });
}
`;
