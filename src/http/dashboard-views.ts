// Dashboard views of the runtime: health, what needs a person, agents, the supervision tree,
// providers, alerts by component and the live event stream. Part of the one inline script.
export const DASHBOARD_VIEWS = String.raw`
function loadHealth() {
  return api('GET', '/api/health/detailed').then(function (h) {
    state.health = h;
    var p = $('health-pill'); p.textContent = h.status; p.className = 'pill ' + h.status;
    p.title = 'up ' + Math.round(h.uptimeMs / 1000) + ' s · rss ' + mb(h.memory.rss) + ' · loop lag p99 ' + h.eventLoopLagMs.p99Ms.toFixed(1) + ' ms' +
      (h.disk ? ' · disk free ' + mb(h.disk.freeBytes) : '');
    renderAgents(h); fill('tree', [treeOf(h.supervisors || [], h.agents)]);
  });
}
function breakerOf(name) {
  var bs = state.health ? state.health.breakers : [];
  for (var i = 0; i < bs.length; i++) if (bs[i].agent === name) return bs[i];
  return null;
}
function circuitText(a) {
  var b = breakerOf(a.name), kids = [pill(a.circuit)];
  if (b && b.failures) kids.push(' ' + b.failures + ' failure' + (b.failures === 1 ? '' : 's') + ' in window');
  if (b && b.state === 'OPEN' && b.halfOpenAt) kids.push(el('span', { 'class': 'muted' }, [' · half-opens ', when(b.halfOpenAt)]));
  return el('span', null, kids);
}
function agentActions(a) {
  var kids = [], base = '/api/agents/' + enc(a.name) + '/';
  if (a.circuit !== 'CLOSED' && may('breaker')) kids.push(resetButton(a.name));
  if (may('agent')) {
    if (a.lifecycle === 'RUNNING' || a.lifecycle === 'ESCALATED') kids.push(btn('restart', function () { act('restart ' + a.name, 'POST', base + 'restart'); }));
    if (a.lifecycle !== 'STOPPED') kids.push(btn('stop', function () { act('stop ' + a.name, 'POST', base + 'stop'); }, 'danger'));
    if (a.lifecycle === 'STOPPED' || a.lifecycle === 'ESCALATED') kids.push(btn('start', function () { act('start ' + a.name, 'POST', base + 'start'); }));
  }
  return el('span', null, kids);
}
function resetButton(agent) {
  return btn('reset circuit', function () { act('reset circuit of ' + agent, 'POST', '/api/health/circuit-breakers/' + enc(agent) + '/reset'); }, 'primary');
}
function renderAgents(h) {
  table('agents', ['agent', 'role', 'lifecycle', 'circuit', 'in flight', 'queued', 'restarts', ''], h.agents.map(function (a) {
    return row([a.name, a.role, pill(a.lifecycle), circuitText(a), cell(a.inFlight + ' / ' + a.concurrency, 'num'), cell(String(a.queued), 'num'),
      cell(String(a.restarts) + (a.lastExit ? ' (last: ' + a.lastExit.reason + ')' : ''), 'num'), agentActions(a)]);
  }), 'no agents');
}
function treeOf(sups, agents) {
  var byName = {}; agents.forEach(function (a) { byName[a.name] = a; });
  // Children added while running (addAgent, pool members) are marked "dynamic"; a supervisor shows its counts.
  function node(n, parent) {
    if (typeof n === 'string') {
      var a = byName[n];
      var dyn = parent && (parent.dynamic || []).indexOf(n) >= 0;
      return el('li', null, [el('strong', { text: n }), ' ', dyn ? el('span', { 'class': 'muted', text: 'dynamic ' }) : '', a ? pill(a.lifecycle) : '',
        a && a.circuit !== 'CLOSED' ? ' ' : '', a && a.circuit !== 'CLOSED' ? pill('circuit ' + a.circuit, a.circuit) : '']);
    }
    var c = n.counts ? ' · ' + n.counts.active + '/' + n.counts.specs + ' active' : '';
    var pool = n.pool ? ' · pool max ' + n.pool.max : '';
    return el('li', null, [el('strong', { text: n.name }), ' ', el('span', { 'class': 'muted', text: n.strategy + ' · ' + n.restarts + ' restarts' + c + pool + ' ' }), pill(n.status),
      el('ul', null, (n.children || []).map(function (ch) { return node(ch, n); }))]);
  }
  return sups.length ? el('ul', { 'class': 'tree' }, sups.map(function (n) { return node(n, null); })) : el('p', { 'class': 'muted', text: 'no supervisors' });
}
function flatSupervisors(list, out) {
  (list || []).forEach(function (n) { if (typeof n !== 'string') { out.push(n); flatSupervisors(n.children, out); } });
  return out;
}
function loadProviders() {
  if (!state.providers) return Promise.resolve();
  return api('GET', '/api/providers').then(function (list) {
    state.providerList = list || []; $('providers-box').hidden = false;
    table('providers', ['provider', 'gate', 'until', 'agents', ''], state.providerList.map(function (p) {
      return row([p.provider, pill(p.gate, p.gate + '-gate'), p.closedUntil ? when(p.closedUntil) : '', (p.agents || []).join(', '),
        p.gate === 'CLOSED' && may('provider') ? btn('open gate', function () { act('open gate ' + p.provider, 'POST', '/api/providers/' + enc(p.provider) + '/open'); }) : '']);
    }));
  }).catch(function (e) { if (e.status === 404) { state.providers = false; state.providerList = []; } else throw e; });
}
function card(title, lines, actions, warn) {
  return el('div', { 'class': 'card' + (warn ? ' warn' : '') }, [el('p', null, title)].concat(lines.map(function (l) {
    return el('p', { 'class': 'muted' }, [l]);
  })).concat([el('div', null, actions)]));
}
// First what needs a person: escalated tasks, circuits not closed, closed gates, escalated supervisors.
function renderAttention() {
  var cards = [], h = state.health;
  (state.escalated || []).forEach(function (t) { cards.push(escalatedCard(t)); });
  if (h) h.breakers.filter(function (b) { return b.state !== 'CLOSED'; }).forEach(function (b) {
    cards.push(card([pill('circuit ' + b.state, b.state), ' ', el('strong', { text: b.agent })],
      [(b.failures ? b.failures + ' failures in window · ' : '') + (b.openedAt ? 'opened ' + ago(b.openedAt) : ''),
       b.halfOpenAt ? 'half-opens ' + ago(b.halfOpenAt) : 'probing'], may('breaker') ? [resetButton(b.agent)] : [], b.state === 'HALF_OPEN'));
  });
  (state.providerList || []).filter(function (p) { return p.gate === 'CLOSED'; }).forEach(function (p) {
    cards.push(card([pill('gate CLOSED', 'CLOSED-gate'), ' ', el('strong', { text: p.provider })], [p.closedUntil ? 'opens ' + ago(p.closedUntil) : ''],
      may('provider') ? [btn('open gate', function () { act('open gate ' + p.provider, 'POST', '/api/providers/' + enc(p.provider) + '/open'); })] : [], true));
  });
  if (h) flatSupervisors(h.supervisors, []).filter(function (s) { return s.status === 'ESCALATED'; }).forEach(function (s) {
    cards.push(card([pill('supervisor ESCALATED', 'ESCALATED'), ' ', el('strong', { text: s.name })],
      [s.strategy + ' · ' + s.restarts + ' restarts: its children are stopped'], []));
  });
  $('attention-count').textContent = cards.length ? cards.length + ' item' + (cards.length === 1 ? '' : 's') : '';
  fill('attention', cards.length ? [el('div', { 'class': 'cards' }, cards)] : [el('p', { 'class': 'calm', text: 'Nothing needs a person right now.' })]);
}
function loadAlerts() {
  return api('GET', '/api/health/alerts?limit=200').then(function (list) {
    var groups = {}, order = [];
    list.forEach(function (a) {
      // Alerts about single tasks group together: one row per task would bury the components.
      var key = a.component.indexOf('task:') === 0 ? 'tasks' : a.component, g = groups[key];
      if (!g) { g = groups[key] = { component: key, count: 0, critical: 0, latest: a }; order.push(g); }
      g.count++; if (a.level === 'CRITICAL') g.critical++;
    });
    table('alerts', ['component', 'count', 'latest', ''], order.map(function (g) {
      return row([el('strong', { text: g.component }), cell(g.count + (g.critical ? ' (' + g.critical + ' critical)' : ''), 'num'),
        el('span', null, [pill(g.latest.level), ' ', g.latest.message]), when(g.latest.at)]);
    }), 'no alerts');
  });
}
function eventLine(r) {
  return String(r.seq).padStart(6) + '  ' + new Date(r.at).toISOString().slice(11, 23) + '  ' + r.kind + ' ' + r.id +
    (r.agent && r.agent !== r.id ? ' @' + r.agent : '') + '  ' + (r.from || '-') + ' → ' + r.to + '  ' + r.event +
    (r.attempt ? '  attempt ' + r.attempt : '') + (r.error ? '  ' + r.error.kind + ': ' + r.error.message : '');
}
function logEvent(r) {
  state.events.unshift(eventLine(r));
  state.events.length = Math.min(state.events.length, 500);
  renderEvents();
}
function renderEvents() {
  var f = $('f-events').value.trim().toLowerCase();
  var lines = f ? state.events.filter(function (l) { return l.toLowerCase().indexOf(f) >= 0; }) : state.events;
  $('events').textContent = lines.slice(0, 200).join('\n') || (f ? 'no event matches' : 'waiting for events…');
}
`;
