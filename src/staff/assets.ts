/**
 * The two static files the pages use, served from memory: CSS, and the script that refreshes
 * the worklist body every 30 seconds (a fetch of the same query as an HTML fragment). Both are
 * same-origin files, so the pages run under a strict Content-Security-Policy with no inline code.
 */

export const STAFF_CSS = `
:root { --fg:#1d2630; --muted:#5b6773; --line:#d6dde4; --bg:#f6f8fa; --accent:#0b5cad; --red:#b3261e; --amber:#8a5a00; --green:#1b7a3a; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header.top { display:flex; gap:24px; align-items:center; padding:10px 20px; background:#12263a; color:#fff; }
header.top a { color:#dbe7f3; text-decoration:none; margin-right:14px; }
header.top a.current, header.top a:hover { color:#fff; text-decoration:underline; }
header.top .brand { font-weight:700; color:#fff; }
header.top .who { margin-left:auto; display:flex; gap:10px; align-items:center; }
main { padding: 16px 20px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 6px 0 14px; } h2 { font-size: 16px; margin: 22px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight:600; white-space: nowrap; } th a { color: inherit; }
.mono, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.filters { display:flex; flex-wrap:wrap; gap:12px; align-items:flex-end; padding:10px; background:var(--bg); border:1px solid var(--line); margin-bottom:10px; }
.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
.filters label.check { flex-direction:row; align-items:center; gap:6px; color:var(--fg); }
.meta { color: var(--muted); } .legend { margin-left: 16px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; background:#e8edf2; font-size:12px; white-space:nowrap; }
.s-certified, .s-partially_certified, .s-modified { background:#daf1e1; color:var(--green); }
.s-denied, .s-rejected, .s-error { background:#fbe1df; color:var(--red); }
.s-pended { background:#fff1cc; color:var(--amber); }
.tag { margin-left:6px; font-size:11px; color:var(--muted); border:1px solid var(--line); border-radius:3px; padding:0 4px; }
.left.overdue { color: var(--red); font-weight:700; } .left.due-soon { color: var(--amber); font-weight:700; }
tr.t-overdue td:first-child { box-shadow: inset 4px 0 var(--red); } tr.t-due-soon td:first-child { box-shadow: inset 4px 0 #e0a100; }
.empty { color: var(--muted); text-align:center; padding: 20px; }
.pager { display:flex; justify-content:space-between; margin-top:10px; }
.facts { display:grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap:8px 16px; margin:0 0 10px; }
.facts div { border-bottom:1px solid var(--line); padding:4px 0; } .facts dt { font-size:12px; color:var(--muted); } .facts dd { margin:0; }
.errors { border:1px solid #f0b8b3; background:#fff6f5; padding:8px 14px; margin-top:14px; }
.actions form { display:inline-flex; gap:8px; align-items:flex-end; margin-right:18px; } .actions label { display:inline-flex; gap:6px; align-items:center; }
.legend .left { margin-left: 8px; }
.timeline { padding-left: 18px; } .timeline li { margin: 3px 0; } .timeline .actor { color: var(--muted); }
.timeline .o-failure { color: var(--red); } .timeline time { font-family: ui-monospace, monospace; }
details.message { border:1px solid var(--line); margin:6px 0; } details.message summary { cursor:pointer; padding:6px 8px; background:var(--bg); }
details.message pre { margin:0; padding:10px; max-height: 420px; overflow:auto; font-size:12px; }
.notice { background:#e7f2ff; padding:6px 10px; } .disposition { font-weight:600; }
.error { color: var(--red); } .login { max-width: 360px; margin: 40px auto; }
.login form { display:flex; flex-direction:column; gap:12px; } .login label { display:flex; flex-direction:column; gap:4px; }
input, select, button { font: inherit; padding: 4px 6px; } button { cursor:pointer; }
.chain.ok { border-left: 4px solid var(--green); padding-left: 10px; } .chain.broken { border-left: 4px solid var(--red); padding-left: 10px; }
svg.chart { display:block; margin: 10px 0 18px; max-width: 100%; height: auto; font-size: 12px; }
svg.chart text { fill: var(--fg); } svg.chart text.value { fill: var(--muted); }
.c-approved { fill: #2e8b57; } .c-denied { fill: #c0392b; } .c-appeal { fill: #7b61c9; } .c-extension { fill: #d49a00; }
.c-average { fill: #0b5cad; } .c-median { fill: #6fa8dc; }
img.qr { display:block; margin: 8px 0; image-rendering: pixelated; border:1px solid var(--line); }
.enrol { max-width: 640px; } .enrol li { margin: 10px 0; } form.cancel { margin-top: 16px; } form.inline { display:inline; margin-left: 8px; }
.quality-warnings { border:1px solid #f3d28a; background:#fffaf0; padding:8px 14px; margin-top:14px; } .quality-warnings li { margin: 6px 0; }
.facts .over dd { color: var(--red); font-weight:700; } .circuit.open { color: var(--red); font-weight:700; } .circuit.half-open { color: var(--amber); font-weight:700; }
.health-alerts .open { color: var(--red); } .payer-health { border-top:1px solid var(--line); margin-top:18px; }
ol.recovery { columns: 2; font-size: 16px; } ol.recovery li { margin: 4px 0; } td.ua { max-width: 360px; font-size: 12px; color: var(--muted); }
`;

export const STAFF_JS = `
(function () {
  var body = document.getElementById('worklist-rows');
  if (!body || !window.fetch) return;
  var every = 30000;
  function refresh() {
    if (document.hidden) return;
    var current = document.getElementById('worklist-rows');
    fetch(current.getAttribute('data-refresh'), { credentials: 'same-origin', headers: { 'X-Priorgate-Refresh': '1' } })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var t = document.createElement('template');
        t.innerHTML = html.trim();
        var next = t.content.firstElementChild;
        if (next && next.id === 'worklist-rows') {
          current.replaceWith(next);
          var stamp = document.getElementById('refreshed');
          if (stamp) stamp.textContent = 'updated ' + next.getAttribute('data-generated').slice(0, 16).replace('T', ' ') + ' UTC';
        }
      })
      .catch(function () {});
  }
  setInterval(refresh, every);
})();
`;
