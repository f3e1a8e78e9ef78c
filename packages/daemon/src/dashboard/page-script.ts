/**
 * The dashboard page's script, served as /app.js: plain browser JavaScript, no framework, no build step. It
 * builds every element with createElement and puts data in with textContent or setAttribute only (process
 * names, reasons and module names are user data), so nothing it shows is parsed as HTML.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  var collapsed = new Set();
  var selected = null;
  var last = null;
  var ws = null;
  var nextId = 1;
  var retryMs = 500;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === null || attrs[k] === undefined) continue;
      if (k === 'class') node.className = attrs[k]; else node.setAttribute(k, String(attrs[k]));
    }
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  /** Replaces the children of element #id with the given nodes and texts (null and false are left out). */
  function fill(id) {
    var node = $(id);
    node.replaceChildren();
    for (var i = 1; i < arguments.length; i++) add(node, arguments[i]);
  }
  function table(head, rows) {
    return el('table', null, el('thead', null, el('tr', null, head.map(function (h) {
      var num = h.charAt(0) === '#';
      return el('th', num ? { class: 'num' } : null, num ? h.slice(1) : h);
    }))), el('tbody', null, rows));
  }
  function num(v, digits) { return el('td', { class: 'num' }, v === null || v === undefined ? '–' : fmt(v, digits)); }
  function fmt(v, digits) {
    if (typeof v !== 'number') return String(v);
    // Large rates read better whole and grouped: 177,690 rather than 177690.0.
    if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
    return digits === undefined ? String(v) : v.toFixed(digits);
  }
  function bytes(n) {
    if (n === null || n === undefined) return '–';
    var u = ['B', 'KiB', 'MiB', 'GiB']; var i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
  }
  function age(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd' + Math.floor((s % 86400) / 3600) + 'h';
  }
  function time(at) { return at ? new Date(at).toLocaleTimeString() : '–'; }
  function spark(points, key, label) {
    var ns = 'http://www.w3.org/2000/svg';
    var w = 120, h = 22;
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'spark'); svg.setAttribute('width', w); svg.setAttribute('height', h);
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    var values = points.map(function (p) { return Number(p[key]) || 0; });
    var max = Math.max.apply(null, values.concat([1e-9]));
    var step = values.length > 1 ? w / (values.length - 1) : w;
    var line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', values.map(function (v, i) { return (i * step).toFixed(1) + ',' + (h - 1 - (v / max) * (h - 3)).toFixed(1); }).join(' '));
    var title = document.createElementNS(ns, 'title');
    title.textContent = label + ': last ' + fmt(values[values.length - 1] || 0, 1) + ', max ' + fmt(max < 1e-6 ? 0 : max, 1) + ' over ' + values.length + ' s';
    svg.appendChild(title); svg.appendChild(line);
    return svg;
  }
  function tag(text, kind) { return el('span', { class: 'tag' + (kind ? ' ' + kind : '') }, text); }

  function renderWorkers(s) {
    if (!s.workers.length) return fill('workers', el('p', { class: 'muted' }, 'No worker is running: start a node daemon (hypernode-node).'));
    fill('workers', table(['worker', 'node', '#procs', '#backlog', 'msgs/s', '', '#loop delay ms', '', '#rss', '#cpu %', '#dead/s', 'state'],
      s.workers.map(function (w) {
        var state = [];
        if (w.draining) state.push(tag('draining', 'warn'));
        if (w.stalledForMs !== null) state.push(tag('stalled ' + age(w.stalledForMs), 'bad'));
        if (!w.answered) state.push(tag('not answering', 'bad'));
        if (!state.length) state.push(tag('up'));
        return el('tr', { 'data-worker': w.id }, el('td', { class: 'mono' }, w.id), el('td', null, w.node || '–'),
          num(w.processes), num(w.backlog), num(w.msgsPerSec, 1), el('td', null, spark(w.history, 'msgsPerSec', 'msgs/s')),
          num(w.eventLoopDelayMs, 1), el('td', null, spark(w.history, 'eventLoopDelayMs', 'loop delay ms')),
          el('td', { class: 'num' }, bytes(w.rssBytes)), num(w.cpuPercent, 0), num(w.deadLettersPerSec, 1), el('td', null, state));
      })));
  }

  function renderNodes(s) {
    if (!s.nodes.length) return fill('nodes', el('p', { class: 'muted' }, 'No node daemon is running.'));
    fill('nodes', table(['node', 'host', 'workers', 'processes', '', 'msgs/s', '', 'state'],
      s.nodes.map(function (n) {
        var lastPoint = n.history[n.history.length - 1] || { processes: 0, msgsPerSec: 0 };
        return el('tr', { 'data-node': n.id }, el('td', { class: 'mono' }, n.id), el('td', null, n.host || '–'), el('td', null, n.workers.join(', ') || '–'),
          num(lastPoint.processes), el('td', null, spark(n.history, 'processes', 'processes')),
          num(lastPoint.msgsPerSec, 1), el('td', null, spark(n.history, 'msgsPerSec', 'msgs/s')),
          el('td', null, n.draining ? tag('draining', 'warn') : tag('up')));
      })));
  }

  function matches(p, q) {
    if (!q) return true;
    var hay = [p.name, p.module, p.worker].concat(p.names).join(' ').toLowerCase();
    return hay.indexOf(q) >= 0;
  }

  function renderTree(s) {
    var q = $('search').value.trim().toLowerCase();
    var byName = new Map(s.processes.map(function (p) { return [p.name, p]; }));
    var kids = new Map();
    var roots = [];
    s.processes.forEach(function (p) {
      if (p.parent && byName.has(p.parent)) {
        if (!kids.has(p.parent)) kids.set(p.parent, []);
        kids.get(p.parent).push(p);
      } else roots.push(p);
    });
    // With a filter: the matching processes and their ancestors.
    var shown = null;
    if (q) {
      shown = new Set();
      s.processes.forEach(function (p) {
        if (!matches(p, q)) return;
        for (var at = p; at && !shown.has(at.name); at = at.parent ? byName.get(at.parent) : null) shown.add(at.name);
      });
    }
    var rows = [];
    function walk(p, depth) {
      if (shown && !shown.has(p.name)) return;
      var children = kids.get(p.name) || [];
      var open = !collapsed.has(p.name) || !!q;
      var toggle = el('button', { class: 'toggle', type: 'button', 'aria-label': open ? 'collapse' : 'expand' }, children.length ? (open ? '▾' : '▸') : '');
      if (children.length) toggle.addEventListener('click', function (e) {
        e.stopPropagation();
        if (collapsed.has(p.name)) collapsed.delete(p.name); else collapsed.add(p.name);
        render();
      });
      var nameCell = el('td', { class: 'pname mono' }, toggle, p.name, p.names.length ? el('span', { class: 'muted' }, ' (' + p.names.join(', ') + ')') : null,
        children.length && !open ? el('span', { class: 'muted' }, ' +' + children.length) : null);
      nameCell.style.paddingLeft = (depth * 16) + 'px';
      var row = el('tr', { class: 'proc' + (selected === p.name ? ' selected' : '') + (q && matches(p, q) ? ' match' : ''), 'data-name': p.name, 'data-module': p.module },
        nameCell, el('td', null, p.module + ' v' + p.version), el('td', { class: 'mono' }, p.worker),
        num(p.mailbox), num(p.msgsInPerSec, 1), num(p.restarts),
        el('td', { class: 'num', title: p.ageFrom === 'spawn' ? 'since spawned' : 'since this dashboard first saw it' }, (p.ageFrom === 'seen' ? '≥' : '') + age(p.ageMs)),
        el('td', null, p.status));
      row.addEventListener('click', function () { select(p.name); });
      rows.push(row);
      if (open) children.forEach(function (c) { walk(c, depth + 1); });
    }
    roots.forEach(function (p) { walk(p, 0); });
    var note = q && !rows.length ? el('p', { class: 'muted' }, 'No process matches the filter.') : null;
    fill('tree', table(['process', 'module', 'worker', '#mailbox', '#msgs/s', '#restarts', '#age', 'status'], rows), note);
  }

  function renderModules(s) {
    var rows = [];
    s.modules.forEach(function (m) {
      m.versions.forEach(function (v, i) {
        rows.push(el('tr', { 'data-module': m.name }, el('td', null, i === 0 ? m.name : ''), el('td', null, 'v' + v.version + (i === 0 ? '' : ' (old)')),
          el('td', { class: 'mono', title: v.hash }, String(v.hash).slice(0, 12)), el('td', null, v.loadedAt ? new Date(v.loadedAt).toLocaleString() : 'built in'), num(v.processes)));
      });
    });
    fill('modules', rows.length ? table(['module', 'version', 'hash', 'loaded', '#processes'], rows) : el('p', { class: 'muted' }, 'No module is loaded.'));
  }

  function renderExits(s) {
    var note = s.available.exits ? null : el('p', { class: 'muted' }, 'Exits of the root\'s children, as the root heard them since this cluster daemon started.');
    if (!s.exits.length) return fill('exits', note, el('p', { class: 'muted' }, 'No process has ended yet.'));
    fill('exits', note, table(['time', 'process', 'module', 'worker', 'kind', 'reason'], s.exits.map(function (e) {
      return el('tr', { 'data-name': e.name, 'data-kind': e.kind }, el('td', null, time(e.at)), el('td', { class: 'mono' }, e.name), el('td', null, e.module),
        el('td', { class: 'mono' }, e.worker), el('td', null, el('span', { class: 'tag kind' }, e.kind)), el('td', { class: 'reason' }, e.reason));
    })));
  }

  function renderDead(s) {
    var total = s.workers.reduce(function (n, w) { return n + w.deadLettersPerSec; }, 0);
    if (s.deadLetters === null) {
      return fill('dead', el('p', { class: 'muted' }, 'The list of dead letters is not available from this cluster daemon; dead letters/s per worker: ' + total.toFixed(1) + ' now (see Workers).'));
    }
    if (!s.deadLetters.length) return fill('dead', el('p', { class: 'muted' }, 'No dead letters.'));
    fill('dead', table(['time', 'to', 'from', 'worker', 'reason'], s.deadLetters.map(function (d) {
      return el('tr', null, el('td', null, time(d.at)), el('td', { class: 'mono' }, d.to), el('td', { class: 'mono' }, d.from), el('td', { class: 'mono' }, d.worker), el('td', { class: 'reason' }, d.reason));
    })));
  }

  function render() {
    var s = last;
    if (!s) return;
    var crashes = s.exits.filter(function (e) { return e.kind === 'crash'; }).length;
    $('summary').textContent = (s.processesTotal > s.processes.length ? 'showing ' + s.processes.length + ' of ' : '') + s.processesTotal + ' processes · ' + s.workers.length + ' workers · ' + s.nodes.length + ' nodes · ' + crashes + ' recent crashes · ' + time(s.at);
    renderWorkers(s); renderNodes(s); renderTree(s); renderModules(s); renderExits(s); renderDead(s);
    var errors = Object.keys(s.errors);
    if (errors.length) $('summary').textContent += ' · failed: ' + errors.map(function (k) { return k + ' (' + s.errors[k] + ')'; }).join('; ');
  }

  var askedAt = 0;
  function ask(name) {
    askedAt = Date.now();
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'inspect', id: nextId++, name: name }));
  }
  function select(name) {
    selected = name;
    render();
    fill('detail', el('p', { class: 'muted' }, 'Asking for ' + name + ' ...'));
    ask(name);
  }

  function list(items) { return items && items.length ? items.join(', ') : '–'; }
  function renderDetail(msg) {
    if (msg.name !== selected) return;
    var d = msg.detail;
    if (!d) return fill('detail', el('p', { class: 'muted' }, msg.error ? 'Cannot inspect ' + msg.name + ': ' + msg.error : msg.name + ' is not running any more.'));
    var pairs = [['name', d.name], ['module', d.module + ' v' + d.version], ['worker', d.worker], ['parent', d.parent || '–'], ['status', d.status],
      ['state size', d.stateBytes === null ? 'not encodable' : bytes(d.stateBytes)], ['mailbox', d.mailboxSize + (d.maxMailbox != null ? ' of at most ' + d.maxMailbox : '') + (d.mailboxOver ? ' (over its worker\'s warning size)' : '')], ['children', list(d.childNames)],
      ['links', list(d.links)], ['monitors', list(d.monitors)], ['monitored by', list(d.monitoredBy)], ['registered names', list(d.names)], ['traps exits', d.trapExits ? 'yes' : 'no']];
    fill('detail', el('dl', { 'data-name': d.name }, pairs.map(function (kv) { return [el('dt', null, kv[0]), el('dd', { 'data-field': kv[0] }, String(kv[1]))]; })));
  }

  function connect() {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = function () { retryMs = 500; $('live').textContent = 'live'; $('live').className = 'live'; if (selected) select(selected); };
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === 'snapshot') {
        last = msg.snapshot;
        render();
        // The selected process's detail, kept fresh every few seconds.
        if (selected && Date.now() - askedAt > 3000) ask(selected);
      }
      else if (msg.type === 'detail') renderDetail(msg);
    };
    ws.onclose = function () {
      $('live').textContent = 'reconnecting'; $('live').className = 'live off';
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }

  $('search').addEventListener('input', render);
  $('expand').addEventListener('click', function () { collapsed.clear(); render(); });
  $('collapse').addEventListener('click', function () {
    if (last) last.processes.forEach(function (p) { if (p.parent) collapsed.add(p.parent); });
    render();
  });
  connect();
})();
`;
