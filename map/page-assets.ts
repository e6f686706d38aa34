/**
 * The catalog page's style and script: constants (nothing from a model is ever spliced in), so the
 * page's Content-Security-Policy allows exactly these two blocks by their hashes.
 */

export const PAGE_STYLE = `
:root { --ink:#1b2430; --muted:#5d6b7c; --line:#dde3ea; --bg:#f5f7fa; --card:#fff; --accent:#2456a6; --auth:#1f7a4d; --copy:#8a5a00; --warn:#b42318; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
.wrap { max-width:1120px; margin:0 auto; padding:0 24px; }
body > header { background:#172235; color:#fff; padding:22px 0 18px; }
h1 { margin:0 0 4px; font-size:24px; font-weight:650; letter-spacing:-0.01em; }
.lede { margin:0; color:#c9d3e0; }
body > header .muted { color:#9fb0c6; }
.stats { list-style:none; display:flex; gap:22px; margin:14px 0 0; padding:0; color:#c9d3e0; }
.stats b { color:#fff; font-size:18px; margin-right:4px; }
h2 { font-size:17px; margin:28px 0 6px; }
h3 { font-size:15px; margin:22px 0 8px; }
h4 { margin:0; font-size:15px; }
h5 { margin:0 0 6px; font-size:11px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); }
p { margin:0 0 6px; }
.muted { color:var(--muted); font-weight:400; }
code { font:12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background:#eef2f7; padding:1px 5px; border-radius:4px; overflow-wrap:anywhere; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; box-shadow:0 1px 2px rgba(16,24,40,.04); }
.graph-card { padding:8px; }
svg.graph { width:100%; height:auto; display:block; }
.graph .platform rect { fill:#fff; stroke:#8aa0bd; stroke-width:1.3; }
.graph .platform.consumer rect { fill:#f6f2ff; stroke:#9a86c9; stroke-dasharray:4 3; }
.graph .platform text { text-anchor:middle; fill:var(--ink); }
.graph .platform .title { font-size:13px; font-weight:600; }
.graph .platform .sub { font-size:11px; fill:var(--muted); }
.graph .flow { fill:none; stroke:#6f86a6; stroke-width:1.5; }
.graph marker path { fill:#6f86a6; }
.graph .flow-label rect { fill:#fff; stroke:#d7dee8; opacity:.95; }
.graph .flow-label text { font:11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; text-anchor:middle; fill:#34465e; }
.graph .dim { opacity:.15; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:8px 12px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; }
tr:last-child td { border-bottom:0; }
td code { white-space:nowrap; }
.tag { display:inline-block; font-size:11px; padding:0 7px; border-radius:9px; margin-left:6px; border:1px solid; }
.tag.op { color:var(--accent); border-color:#b8c9e6; background:#f0f5fd; margin-left:0; }
.tag.consumer { color:#5b3fa0; border-color:#d3c7ee; background:#f6f2ff; margin-left:0; }
.tag.guarded { color:var(--auth); border-color:#b5dcc7; background:#eff8f3; }
.tag.open { color:var(--copy); border-color:#ead2a1; background:#fdf7ea; }
.search { position:sticky; top:0; z-index:1; display:flex; gap:12px; align-items:center; background:var(--bg); padding:10px 0; }
.search label { font-weight:600; white-space:nowrap; }
.search input { flex:1; font:inherit; padding:8px 12px; border:1px solid #b9c4d2; border-radius:8px; background:#fff; }
.search input:focus { outline:2px solid #9bb8e8; border-color:var(--accent); }
.fact { margin:0 0 14px; }
.fact > header { display:flex; gap:12px; align-items:baseline; padding:12px 16px; border-bottom:1px solid var(--line); }
.fact .team { margin-left:auto; font-size:12px; color:var(--muted); white-space:nowrap; }
.answers { display:grid; grid-template-columns:repeat(4, minmax(0, 1fr)); }
.answer { padding:12px 16px; border-left:1px solid var(--line); }
.answer:first-child { border-left:0; }
.answer dl { margin:4px 0 0; display:grid; grid-template-columns:auto 1fr; gap:2px 8px; }
.answer dt { color:var(--muted); }
.answer dd { margin:0; overflow-wrap:anywhere; }
.copies { list-style:none; margin:0; padding:0; }
.copies li { margin:0 0 8px; }
.copies li div { font-size:12.5px; color:#3b4a5c; }
.loc { font-size:11.5px; }
.warn { color:var(--warn); }
a { color:var(--accent); }
footer { padding:24px; font-size:12px; }
[hidden] { display:none !important; }
@media (max-width: 900px) { .answers { grid-template-columns:1fr 1fr; } .answer:nth-child(3) { border-left:0; } }
`;

/** Filters the facts by every word typed (fact, platform, location, team) and dims unrelated flows. */
export const PAGE_SCRIPT = `
(function () {
  var input = document.getElementById('q');
  var count = document.getElementById('count');
  var none = document.getElementById('none');
  var facts = Array.prototype.slice.call(document.querySelectorAll('article.fact'));
  var domains = Array.prototype.slice.call(document.querySelectorAll('section.domain'));
  var flows = Array.prototype.slice.call(document.querySelectorAll('.graph [data-facts]'));
  function apply() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = {};
    var n = 0;
    facts.forEach(function (f) {
      var text = f.getAttribute('data-search');
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      f.hidden = !match;
      if (match) { n++; shown[f.getAttribute('data-fact')] = true; }
    });
    domains.forEach(function (d) { d.hidden = !d.querySelector('article.fact:not([hidden])'); });
    flows.forEach(function (e) {
      var ids = e.getAttribute('data-facts').split(' ');
      e.classList.toggle('dim', words.length > 0 && !ids.some(function (id) { return shown[id]; }));
    });
    count.textContent = n + ' of ' + facts.length + ' facts';
    none.hidden = n > 0;
  }
  input.addEventListener('input', apply);
  apply();
})();
`;
