import { createHash } from 'node:crypto';

/**
 * The status page served at `/`: one self-contained HTML document (inline CSS and JS, no external assets)
 * that reads the `GET /api/v1/status` summary (with the login cookie when the page is private) and refreshes itself every 15 s. Every value is written
 * with textContent, never as HTML. Durations ("offline for") are computed by the server with the same
 * formatDuration the alert mails use; relative times are counted from the server's `checkedAt`. Active conditions
 * (metric rules, reboots) are listed in each card with the text the server wrote (`disk /var 93 % > 90 %`).
 * Each card links to the host's page (`hosts/<name>`) and, where the API keeps history, shows its 24 h / 30 d uptime
 * and a CPU sparkline drawn with createElementNS from the numbers the summary carries.
 * A host held by a maintenance window says so: "in maintenance (NAME) until TIME".
 * An acknowledged alert says who or what acknowledged it: "offline: acknowledged by X at TIME".
 */

const STYLE = `
:root { color-scheme: light dark; --bg:#f5f6f8; --card:#fff; --fg:#1b1f24; --muted:#5c6570; --line:#dde1e6;
  --ok:#1a7f37; --ok-bg:#dafbe1; --bad:#b42318; --bad-bg:#fde8e6; --never:#57606a; --never-bg:#eaeef2;
  --warn:#7a4a00; --warn-bg:#fff1cc; }
@media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --card:#181c22; --fg:#e6e9ed; --muted:#9aa4ae; --line:#2b313a;
  --ok:#4ac26b; --ok-bg:#12361f; --bad:#ff7b72; --bad-bg:#3d1613; --never:#9aa4ae; --never-bg:#262c34;
  --warn:#f2c14e; --warn-bg:#3a2c06; } }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--fg); }
header { padding:16px 16px 8px; max-width:1100px; margin:0 auto; }
h1 { font-size:1.35rem; margin:0 0 4px; }
#summary { color:var(--muted); font-size:.95rem; }
#error { display:none; margin:8px 16px 0; padding:8px 12px; border-radius:8px; background:var(--bad-bg); color:var(--bad); }
main { display:grid; gap:12px; padding:12px 16px 24px; max-width:1100px; margin:0 auto; grid-template-columns:repeat(auto-fill,minmax(300px,1fr)); }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:12px 14px; min-width:0; }
.card.alerting { border-color:var(--warn); }
.card.offline { border-color:var(--bad); }
.top { display:flex; align-items:center; justify-content:space-between; gap:8px; }
.name { font-weight:600; font-size:1.05rem; overflow-wrap:anywhere; }
.name a { color:inherit; text-decoration:none; }
.name a:hover, .name a:focus-visible { text-decoration:underline; }
svg.spark { display:block; width:100%; max-width:180px; height:24px; }
svg.spark path { fill:none; stroke:var(--fg); stroke-width:1.5; stroke-linecap:round; stroke-linejoin:round; vector-effect:non-scaling-stroke; }
.badge { flex:none; font-size:.8rem; font-weight:600; padding:2px 10px; border-radius:999px; white-space:nowrap; }
.badge.online { color:var(--ok); background:var(--ok-bg); }
.badge.offline { color:var(--bad); background:var(--bad-bg); }
.badge.never { color:var(--never); background:var(--never-bg); }
.conds { list-style:none; margin:10px 0 0; padding:0; display:grid; gap:4px; }
.cond { color:var(--warn); background:var(--warn-bg); border-radius:8px; padding:3px 10px; font-size:.9rem; overflow-wrap:anywhere; }
.cond-text { font-weight:600; }
dl { display:grid; grid-template-columns:auto 1fr; gap:2px 12px; margin:10px 0 0; font-size:.92rem; }
dt { color:var(--muted); }
dd { margin:0; overflow-wrap:anywhere; }
.empty { color:var(--muted); padding:24px 16px; }
footer { color:var(--muted); font-size:.8rem; text-align:center; padding:0 16px 24px; }
`;

const SCRIPT = `
(function () {
  var REFRESH_MS = 15000;
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function localTime(iso) { var d = new Date(iso); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()); }
  function ago(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + ' s ago';
    var m = Math.floor(s / 60); if (m < 120) return m + ' min ago';
    var h = Math.floor(m / 60); if (h < 48) return h + ' h ago';
    return Math.floor(h / 24) + ' days ago';
  }
  function bytes(n) { var u = ['B','KB','MB','GB','TB','PB']; var i = 0; while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; } return (i ? n.toFixed(1) : String(n)) + ' ' + u[i]; }
  function pct(used, total) { return total > 0 ? ' (' + Math.round(used / total * 100) + '%)' : ''; }
  function uptime(s) { var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60); return d ? d + ' d ' + h + ' h' : h ? h + ' h ' + m + ' min' : m + ' min'; }
  function row(dl, label, value, key) { if (value == null || value === '') return; var dt = el('dt', null, label); var dd = el('dd', null, value); dd.setAttribute('data-field', key); dl.appendChild(dt); dl.appendChild(dd); }

  function pctText(u) { return u == null ? '\u2014' : u >= 1 ? '100 %' : (Math.floor(u * 10000) / 100).toFixed(2) + ' %'; }
  function spark(s) {
    if (!s || !s.values || !s.values.some(function (v) { return v != null; })) return null;
    var NS = 'http://www.w3.org/2000/svg', n = s.values.length, d = '', pen = false;
    var max = Math.max.apply(null, s.values.filter(function (v) { return v != null; }));
    var top = Math.min(100, Math.max(25, Math.ceil(max / 25) * 25));
    s.values.forEach(function (v, i) {
      if (v == null) { pen = false; return; }
      var x = ((i + 0.5) * 100 / n).toFixed(1), y = (23 - Math.min(top, Math.max(0, v)) / top * 22).toFixed(1);
      d += (pen ? 'L' : 'M') + x + ',' + y + (pen ? ' ' : ' l0.1,0 ');
      pen = true;
    });
    var svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 100 24');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'CPU over the last 24 hours, up to ' + max + ' %');
    var title = document.createElementNS(NS, 'title');
    title.textContent = 'CPU, last 24 h: max ' + max + ' % (scale 0-' + top + ' %)';
    svg.appendChild(title);
    var path = document.createElementNS(NS, 'path');
    path.setAttribute('d', d.trim());
    svg.appendChild(path);
    return svg;
  }

  function conditions(h) {
    var list = h.conditions || [];
    if (!list.length) return null;
    var ul = el('ul', 'conds');
    ul.setAttribute('aria-label', 'Active conditions');
    list.forEach(function (k) {
      var li = el('li', 'cond');
      li.setAttribute('data-field', 'condition');
      li.appendChild(el('span', 'cond-text', k.text));
      var meta = k.condition === 'reboot' ? ' at ' + localTime(k.at) : ' since ' + localTime(k.since) + (k.step != null ? ', ' + k.step + ' min notice sent' : '');
      li.appendChild(el('span', 'cond-meta', meta + ' (rule ' + k.rule + ')'));
      ul.appendChild(li);
    });
    return ul;
  }

  function card(h, checkedAt) {
    var alerting = (h.conditions || []).length > 0;
    var c = el('section', 'card ' + (h.state === 'never reported' ? 'never' : h.state) + (alerting ? ' alerting' : ''));
    c.setAttribute('data-host', h.name);
    var top = el('div', 'top');
    var name = el('div', 'name');
    var link = el('a', null, h.name);
    link.href = 'hosts/' + encodeURIComponent(h.name);
    name.appendChild(link);
    top.appendChild(name);
    var badge = el('span', 'badge ' + (h.state === 'never reported' ? 'never' : h.state), h.state);
    badge.setAttribute('data-field', 'state');
    top.appendChild(badge);
    c.appendChild(top);
    var conds = conditions(h);
    if (conds) c.appendChild(conds);
    var dl = el('dl');
    row(dl, 'Last seen', h.lastReportAt ? localTime(h.lastReportAt) + ' (' + ago(checkedAt - Date.parse(h.lastReportAt)) + ')' : 'never', 'lastSeen');
    row(dl, 'Offline for', h.offlineFor, 'offlineFor');
    row(dl, 'Alert step', h.alertStep != null ? h.alertStep + ' min notice sent' : null, 'alertStep');
    row(dl, 'Muted until', h.mutedUntil ? localTime(h.mutedUntil) : null, 'mutedUntil');
    row(dl, 'Maintenance', h.maintenance ? 'in maintenance (' + h.maintenance.name + ') until ' + localTime(h.maintenance.until) : null, 'maintenance');
    row(dl, 'Clock', h.clockAheadMs != null ? Math.round(h.clockAheadMs / 1000) + ' s ahead of the server' : null, 'clockAhead');
    row(dl, 'Acknowledged', (h.acknowledged || []).map(function (a) { return a.condition + ': acknowledged by ' + a.by + ' at ' + localTime(a.at); }).join('; ') || null, 'acknowledged');
    if (!h.active) row(dl, 'Host', 'disabled', 'active');
    else if (!h.alarm) row(dl, 'Alerts', 'off', 'alarm');
    var m = h.metrics || {};
    row(dl, 'CPU', m.cpu != null ? m.cpu.toFixed(1) + '%' : null, 'cpu');
    row(dl, 'Load', m.load1 != null ? m.load1.toFixed(2) : null, 'load');
    row(dl, 'Memory', m.memoryUsed != null && m.memoryTotal != null ? bytes(m.memoryUsed) + ' / ' + bytes(m.memoryTotal) + pct(m.memoryUsed, m.memoryTotal) : null, 'memory');
    row(dl, 'Disk /', m.diskUsed != null && m.diskTotal != null ? bytes(m.diskUsed) + ' / ' + bytes(m.diskTotal) + pct(m.diskUsed, m.diskTotal) : null, 'disk');
    row(dl, 'Uptime', m.uptime != null ? uptime(m.uptime) : null, 'uptime');
    if (h.uptime) row(dl, 'Up 24 h / 30 d', pctText(h.uptime.d1) + ' / ' + pctText(h.uptime.d30), 'availability');
    var sp = spark(h.sparkline);
    if (sp) { var sdt = el('dt', null, 'CPU 24 h'); var sdd = el('dd'); sdd.setAttribute('data-field', 'sparkline'); sdd.appendChild(sp); dl.appendChild(sdt); dl.appendChild(sdd); }
    c.appendChild(dl);
    return c;
  }

  function render(s) {
    var checkedAt = Date.parse(s.checkedAt);
    var main = document.getElementById('hosts');
    var order = { offline: 0, 'never reported': 1, online: 2 };
    function alerts(h) { return (h.conditions || []).length; }
    var hosts = s.hosts.slice().sort(function (a, b) { return (order[a.state] - order[b.state]) || ((alerts(a) ? 0 : 1) - (alerts(b) ? 0 : 1)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
    main.replaceChildren.apply(main, hosts.map(function (h) { return card(h, checkedAt); }));
    if (!hosts.length) main.appendChild(el('p', 'empty', 'No hosts yet.'));
    var n = { online: 0, offline: 0, 'never reported': 0 };
    var active = 0;
    hosts.forEach(function (h) { n[h.state]++; active += alerts(h); });
    var alertText = active ? active + (active === 1 ? ' alert' : ' alerts') : '';
    document.getElementById('summary').textContent = n.online + ' online \\u00b7 ' + n.offline + ' offline \\u00b7 ' + n['never reported'] + ' never reported \\u00b7 ' + (alertText ? alertText + ' \\u00b7 ' : '') + 'updated ' + localTime(s.checkedAt);
    var counts = (n.offline ? [n.offline + ' offline'] : []).concat(alertText ? [alertText] : []);
    document.title = (counts.length ? '(' + counts.join(', ') + ') ' : '') + 'hostwatch status';
  }

  function load() {
    fetch('api/v1/status', { cache: 'no-store' })
      .then(function (r) { if (r.status === 401) { location.reload(); throw new Error('signed out'); } if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (s) { render(s); document.getElementById('error').style.display = 'none'; document.body.setAttribute('data-loaded', 'true'); })
      .catch(function (e) { var b = document.getElementById('error'); b.textContent = 'Could not load the status (' + e.message + '); retrying every 15 s.'; b.style.display = 'block'; });
  }
  load();
  setInterval(load, REFRESH_MS);
})();
`;

export const statusPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hostwatch status</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>hostwatch status</h1>
<div id="summary">Loading…</div>
</header>
<div id="error" role="alert"></div>
<main id="hosts" aria-live="polite"></main>
<footer>Refreshes every 15 seconds.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/** Allows exactly this page's inline script and style, and fetches to the same origin only. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(SCRIPT)}'`,
  `style-src 'sha256-${sha256(STYLE)}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
