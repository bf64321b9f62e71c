/**
 * The two static files the pages use, served from memory: CSS, and the page script. Both are
 * same-origin files, so the pages run under a strict Content-Security-Policy with no inline code
 * or styles. The script only adds to pages that work without it:
 *
 * - the worklist body refreshes every 30 seconds (a fetch of the same query as an HTML fragment);
 *   keyboard focus on a row's link survives the swap, and `priorgate:refresh` on `document`
 *   refreshes at once;
 * - a roster dropped on the eligibility upload form lands in its file picker;
 * - running eligibility batches show their progress live (a poll of the batch API every 2 s).
 *
 * Layout: tables with class `cards` become one card per row below 760 px (each cell labelled from
 * its `data-label`), so no page is wider than a phone's screen.
 */

export const STAFF_CSS = `
:root { --fg:#1d2630; --muted:#505c68; --line:#d6dde4; --bg:#f6f8fa; --accent:#0b5cad; --red:#b3261e; --amber:#7a4f00; --green:#1b6e34; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; overflow-wrap: anywhere; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.skip { position:absolute; left:8px; top:-100px; z-index:10; background:#fff; color:var(--accent); padding:8px 12px; border:2px solid var(--accent); }
.skip:focus { top:8px; }
.visually-hidden { position:absolute !important; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; border:0; }
header.top { display:flex; flex-wrap:wrap; gap:8px 20px; align-items:center; padding:10px 20px; background:#12263a; color:#fff; }
header.top nav { display:flex; flex-wrap:wrap; gap:4px 14px; }
header.top a { color:#e3edf7; text-decoration:none; }
header.top a.current, header.top a:hover { color:#fff; text-decoration:underline; }
header.top .brand { font-weight:700; color:#fff; }
header.top .who { margin-left:auto; display:flex; flex-wrap:wrap; gap:6px 10px; align-items:center; }
main { padding: 16px 20px 40px; max-width: 1440px; }
main:focus { outline:none; }
h1 { font-size: 21px; margin: 6px 0 14px; } h2 { font-size: 17px; margin: 22px 0 8px; } h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align:left; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align: top; }
thead th { background: var(--bg); font-weight:600; } th a { color: inherit; }
table.worklist thead th { white-space: nowrap; }
tbody th { font-weight: 600; }
tbody:focus { outline: none; }
/* Links in tables are at least 24 px tall targets (WCAG 2.2 target size). */
td a, tbody th a { display:inline-block; min-height:24px; padding: 2px 0; }
.table-wrap { max-width:100%; overflow-x:auto; }
.mono, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.sub { display:block; font-size:12px; color:var(--muted); font-weight:normal; }
.filters { display:flex; flex-wrap:wrap; gap:10px 12px; align-items:flex-end; padding:10px; background:var(--bg); border:1px solid var(--line); margin-bottom:10px; }
.filters label, .inline-fields label, .stack label { display:flex; flex-direction:column; font-size:13px; color:var(--muted); gap:2px; }
.filters label.check, label.check { flex-direction:row; align-items:center; gap:6px; color:var(--fg); }
.views { display:flex; flex-wrap:wrap; gap:6px; margin: 0 0 10px; }
.views a { padding:4px 10px; border:1px solid var(--line); border-radius:14px; text-decoration:none; color:var(--fg); background:#fff; }
.views a.current { background:var(--accent); border-color:var(--accent); color:#fff; }
.meta { color: var(--muted); } .legend { margin-left: 16px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; background:#e8edf2; font-size:13px; white-space:nowrap; }
.s-certified, .s-partially_certified, .s-modified, .s-not_required { background:#daf1e1; color:var(--green); }
.s-denied, .s-rejected, .s-error, .s-returned { background:#fbe1df; color:var(--red); }
.s-pended, .s-review { background:#fff1cc; color:var(--amber); }
.tag { display:inline-block; margin:2px 6px 0 0; font-size:12px; color:var(--muted); border:1px solid var(--line); border-radius:3px; padding:0 4px; }
.left.overdue { color: var(--red); font-weight:700; } .left.due-soon { color: var(--amber); font-weight:700; }
tr.t-overdue > :first-child { box-shadow: inset 4px 0 var(--red); } tr.t-due-soon > :first-child { box-shadow: inset 4px 0 #e0a100; }
.empty { color: var(--muted); text-align:center; padding: 20px; }
.pager { display:flex; justify-content:space-between; margin-top:10px; }
.facts { display:grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap:8px 16px; margin:0 0 10px; }
.facts div { border-bottom:1px solid var(--line); padding:4px 0; } .facts dt { font-size:13px; color:var(--muted); } .facts dd { margin:0; }
.story { border-left: 4px solid var(--accent); background:#f3f8fd; padding: 8px 14px; margin: 10px 0 14px; }
.story p { margin: 4px 0; }
.errors { border:1px solid #f0b8b3; background:#fff6f5; padding:8px 14px; margin-top:14px; }
.review { border:1px solid #e8c766; background:#fffbeb; padding:8px 14px; margin: 14px 0; }
.actions { margin: 10px 0; }
.action-row { display:flex; flex-wrap:wrap; gap:10px; align-items:flex-end; margin: 6px 0; }
.inline-fields { display:flex; flex-wrap:wrap; gap:10px; align-items:flex-end; margin: 6px 0; }
.stack { display:flex; flex-direction:column; gap:8px; align-items:flex-start; margin: 8px 0; max-width: 640px; }
.stack input:not([type=checkbox]), .stack select, .stack textarea { width: 100%; max-width: 560px; }
fieldset { border:1px solid var(--line); padding: 8px 12px; display:flex; flex-direction:column; gap:8px; }
.contact { display:grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap:6px 16px; margin: 6px 0; }
.contact dt { font-size:13px; color:var(--muted); } .contact dd { margin:0; }
.documents { list-style: none; padding: 0; margin: 4px 0; } .documents li { margin: 4px 0; }
.timeline { padding-left: 18px; } .timeline li { margin: 3px 0; } .timeline .actor { color: var(--muted); }
.timeline .o-failure, tr.o-failure { color: var(--red); } .timeline time { font-family: ui-monospace, monospace; }
details.message { border:1px solid var(--line); margin:6px 0; max-width:100%; } details.message summary { cursor:pointer; padding:6px 8px; background:var(--bg); }
details.message pre { margin:0; padding:10px; max-height: 420px; overflow:auto; font-size:12px; white-space: pre; }
.notice { background:#e7f2ff; padding:6px 10px; } .disposition { font-weight:600; }
.error { color: var(--red); } .login { max-width: 360px; margin: 40px auto; }
.login form { display:flex; flex-direction:column; gap:12px; } .login label { display:flex; flex-direction:column; gap:4px; }
input, select, button, textarea, .button { font: inherit; padding: 6px 8px; min-height: 36px; max-width: 100%; }
button, .button { cursor:pointer; border:1px solid #8a96a3; border-radius:4px; background:#fff; color:var(--fg); text-decoration:none; display:inline-block; }
button.primary { background: var(--accent); border-color: var(--accent); color:#fff; }
header.top button { background:#fff; }
.chain.ok { border-left: 4px solid var(--green); padding-left: 10px; } .chain.broken { border-left: 4px solid var(--red); padding-left: 10px; }
td.detail { font-size: 12px; max-width: 420px; }
.dropzone { border: 2px dashed #8a96a3; padding: 14px; width: 100%; max-width: 640px; background: var(--bg); }
.dropzone.over { border-color: var(--accent); background: #e7f2ff; }
.batches { list-style:none; padding:0; } .batch { border:1px solid var(--line); padding:10px 12px; margin: 8px 0; }
.progress { display:flex; flex-wrap:wrap; gap:6px 12px; align-items:center; margin: 6px 0; }
.progress progress { width: 100%; max-width: 420px; height: 16px; }
.charts { display:grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px 28px; }
figure.chart { margin: 10px 0 18px; }
figure.chart figcaption { font-weight: 600; font-size: 16px; margin-bottom: 6px; }
figure.chart .legend { list-style:none; padding:0; margin: 0 0 8px; display:flex; flex-wrap:wrap; gap: 4px 14px; }
.swatch { display:inline-block; width:12px; height:12px; margin-right:6px; vertical-align:middle; border-radius:2px; }
.bar-group { margin: 8px 0 12px; } .bar-label { font-weight:600; margin-bottom: 2px; }
.bar-row { display:grid; grid-template-columns: minmax(90px, 11em) 1fr 5.5em; gap: 8px; align-items:center; font-size: 14px; }
.bar-row meter { width: 100%; height: 14px; }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; }
.c-approved { --bar: #2e8b57; } .c-denied { --bar: #c0392b; } .c-appeal { --bar: #7b61c9; } .c-extension { --bar: #b07f00; }
.c-average { --bar: #0b5cad; } .c-median { --bar: #5f95c8; }
.swatch { background: var(--bar); }
meter { appearance: none; -webkit-appearance: none; background: #e8edf2; border-radius: 2px; }
meter::-webkit-meter-bar { background: #e8edf2; border: 0; border-radius: 2px; height: 14px; }
meter::-webkit-meter-optimum-value, meter::-webkit-meter-suboptimum-value, meter::-webkit-meter-even-less-good-value { background: var(--bar); border-radius: 2px; }
meter::-moz-meter-bar { background: var(--bar); }
img.qr { display:block; margin: 8px 0; image-rendering: pixelated; border:1px solid var(--line); max-width: 100%; }
.enrol { max-width: 640px; } .enrol li { margin: 10px 0; } form.cancel { margin-top: 16px; } form.inline { display:inline; margin-left: 8px; }
.quality-warnings { border:1px solid #f3d28a; background:#fffaf0; padding:8px 14px; margin-top:14px; } .quality-warnings li { margin: 6px 0; }
.facts .over dd { color: var(--red); font-weight:700; } .circuit.open { color: var(--red); font-weight:700; } .circuit.half-open { color: var(--amber); font-weight:700; }
.health-alerts .open { color: var(--red); } .payer-health { border-top:1px solid var(--line); margin-top:18px; }
ol.recovery { columns: 2; font-size: 16px; } ol.recovery li { margin: 4px 0; } td.ua { max-width: 360px; font-size: 13px; color: var(--muted); }
@media (max-width: 760px) {
  header.top { padding: 8px 12px; }
  header.top .who { margin-left: 0; width: 100%; justify-content: space-between; }
  main { padding: 12px 12px 32px; }
  .legend { display:block; margin: 4px 0 0; }
  .filters > *, .filters input, .filters select { width: 100%; }
  table.cards, table.cards thead, table.cards tbody, table.cards tr, table.cards th, table.cards td { display:block; width:100%; }
  table.cards thead tr { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  table.cards tr { border:1px solid var(--line); border-radius:4px; margin: 0 0 10px; padding: 4px 0; }
  table.cards th, table.cards td { border:0; padding: 3px 10px; display:grid; grid-template-columns: 8.5em 1fr; gap: 8px; }
  table.cards [data-label]::before { content: attr(data-label); font-weight:600; color: var(--muted); font-size: 13px; }
  table.cards td.empty { display:block; }
  table.cards td.detail { max-width: none; }
  .sub { display:inline; margin-left: 6px; }
  tr.t-overdue > :first-child, tr.t-due-soon > :first-child { box-shadow: none; }
  tr.t-overdue { border-left: 4px solid var(--red) !important; } tr.t-due-soon { border-left: 4px solid #e0a100 !important; }
  .bar-row { grid-template-columns: 7em 1fr 4.8em; font-size: 14px; }
  ol.recovery { columns: 1; }
}
`;

export const STAFF_JS = `
(function () {
  // Worklist: refresh the rows every 30 s (or on 'priorgate:refresh'), keeping keyboard focus.
  var body = document.getElementById('worklist-rows');
  if (body && window.fetch) {
    var busy = false;
    var refresh = function () {
      if (document.hidden || busy) return;
      var current = document.getElementById('worklist-rows');
      busy = true;
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
          if (!next || next.id !== 'worklist-rows') return;
          var active = document.activeElement;
          var key = active && current.contains(active) ? active.getAttribute('href') : null;
          current.replaceWith(next);
          if (key) {
            var same = next.querySelector('a[href="' + key + '"]');
            (same || next).focus();
          }
          var stamp = document.getElementById('refreshed');
          if (stamp) stamp.textContent = 'updated ' + next.getAttribute('data-generated').slice(0, 16).replace('T', ' ') + ' UTC';
          var count = document.getElementById('count');
          var total = next.getAttribute('data-total');
          if (count && total !== null) count.textContent = total + (total === '1' ? ' request' : ' requests');
        })
        .catch(function () {})
        .then(function () { busy = false; });
    };
    setInterval(refresh, 30000);
    document.addEventListener('priorgate:refresh', refresh);
  }

  // Eligibility: a roster dropped on the upload form goes into its file picker.
  var zone = document.getElementById('dropzone');
  var input = document.getElementById('roster');
  var name = document.getElementById('roster-name');
  if (zone && input) {
    var show = function () { if (name) name.textContent = input.files && input.files[0] ? 'Chosen: ' + input.files[0].name : ''; };
    zone.addEventListener('dragover', function (e) { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', function () { zone.classList.remove('over'); });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      zone.classList.remove('over');
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
    });
    input.addEventListener('change', show);
  }

  // Eligibility: follow running batches until they end.
  var list = document.getElementById('batches');
  if (list && window.fetch) {
    var words = { queued: 'waiting to start', running: 'running', done: 'finished', incomplete: 'finished, some rows failed', cancelled: 'cancelled', failed: 'stopped' };
    var order = ['active', 'inactive', 'unknown', 'error', 'failed', 'invalid'];
    var running = function () { return list.querySelector('[data-status="queued"], [data-status="running"]'); };
    var poll = function () {
      if (!running()) return;
      fetch(list.getAttribute('data-poll'), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          data.items.forEach(function (b) {
            var li = document.getElementById('batch-' + b.id);
            if (!li) return;
            var was = li.getAttribute('data-status');
            li.setAttribute('data-status', b.status);
            var bar = li.querySelector('progress');
            if (bar) { bar.max = b.total; bar.value = b.done; }
            var pct = b.total ? Math.floor((100 * b.done) / b.total) : 0;
            li.querySelector('.batch-done').textContent = b.done + ' of ' + b.total + ' rows (' + pct + '%)';
            li.querySelector('.batch-status').textContent = words[b.status] || b.status;
            var parts = order.filter(function (k) { return b.counts[k]; }).map(function (k) { return k + ' ' + b.counts[k]; });
            li.querySelector('.batch-counts').textContent = parts.length ? parts.join(' · ') : 'no results yet';
            if ((was === 'queued' || was === 'running') && b.status !== 'queued' && b.status !== 'running') {
              var cancel = li.querySelector('.cancel-batch');
              if (cancel) cancel.remove();
              var link = li.querySelector('a[download]');
              if (link) link.textContent = 'Download results (CSV)';
            }
          });
        })
        .catch(function () {})
        .then(function () { if (running()) setTimeout(poll, 2000); });
    };
    setTimeout(poll, 1000);
  }
})();
`;
