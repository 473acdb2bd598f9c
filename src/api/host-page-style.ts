/**
 * The host page's one stylesheet (hashed into its CSP). Light and dark palettes; the chart and bar colours are
 * chosen for at least 3:1 against the card (non-text contrast) and text for at least 4.5:1, in both.
 */
export const HOST_PAGE_STYLE = `
:root { color-scheme: light dark; --bg:#f5f6f8; --card:#fff; --fg:#1b1f24; --muted:#57606a; --line:#d5dae0;
  --ok:#1a7f37; --ok-bg:#dafbe1; --bad:#b42318; --bad-bg:#fde8e6; --never:#57606a; --never-bg:#eaeef2;
  --warn:#7a4a00; --warn-bg:#fff1cc; --link:#0b5cad; --plot:#0b5cad; --grid:#e3e7eb; --axis:#8c959f;
  --u-full:#1a7f37; --u-high:#4d9a2a; --u-mid:#b06d00; --u-low:#c4321f; --u-none:#c9ced4; }
@media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --card:#181c22; --fg:#e6e9ed; --muted:#9aa4ae; --line:#2b313a;
  --ok:#4ac26b; --ok-bg:#12361f; --bad:#ff7b72; --bad-bg:#3d1613; --never:#9aa4ae; --never-bg:#262c34;
  --warn:#f2c14e; --warn-bg:#3a2c06; --link:#6cb6ff; --plot:#6cb6ff; --grid:#262c34; --axis:#6e7781;
  --u-full:#3fb950; --u-high:#8cc152; --u-mid:#e3a008; --u-low:#ff6a5c; --u-none:#3a414b; } }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--fg); }
a { color:var(--link); }
header, main { max-width:1100px; margin:0 auto; padding:12px 16px; }
main { display:grid; gap:12px; padding-bottom:24px; }
.back { font-size:.9rem; }
.top { display:flex; align-items:center; gap:10px; flex-wrap:wrap; margin-top:6px; }
h1 { font-size:1.35rem; margin:0; overflow-wrap:anywhere; min-width:0; }
h2 { font-size:1.1rem; margin:0 0 8px; }
.badge { font-size:.8rem; font-weight:600; padding:2px 10px; border-radius:999px; white-space:nowrap; }
.badge.online { color:var(--ok); background:var(--ok-bg); }
.badge.offline { color:var(--bad); background:var(--bad-bg); }
.badge.never { color:var(--never); background:var(--never-bg); }
.facts { color:var(--muted); margin:6px 0 0; font-size:.95rem; overflow-wrap:anywhere; }
.conds { list-style:none; margin:8px 0 0; padding:0; display:grid; gap:4px; }
.cond { color:var(--warn); background:var(--warn-bg); border-radius:8px; padding:4px 10px; font-size:.92rem; overflow-wrap:anywhere; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:12px 14px; min-width:0; }
.muted { color:var(--muted); font-size:.9rem; margin:4px 0 8px; }
.figures { display:grid; grid-template-columns:repeat(4,minmax(0,1fr)); gap:8px; margin:0 0 10px; }
.figures div { min-width:0; }
.figures dt { color:var(--muted); font-size:.85rem; }
.figures dd { margin:0; font-size:1.15rem; font-weight:600; }
svg.bar { display:block; width:100%; height:30px; }
.bar-ends { display:flex; justify-content:space-between; color:var(--muted); font-size:.8rem; margin-top:2px; }
.day.u-full { fill:var(--u-full); } .day.u-high { fill:var(--u-high); } .day.u-mid { fill:var(--u-mid); }
.day.u-low { fill:var(--u-low); } .day.u-none { fill:var(--u-none); }
.legend { display:flex; flex-wrap:wrap; gap:4px 12px; color:var(--muted); font-size:.8rem; margin:6px 0 0; padding:0; list-style:none; }
.legend svg { width:10px; height:10px; vertical-align:-1px; margin-right:4px; }
.ranges { display:flex; gap:6px; flex-wrap:wrap; margin:0 0 4px; }
.ranges a { padding:3px 10px; border:1px solid var(--line); border-radius:999px; text-decoration:none; font-size:.9rem; }
.ranges a[aria-current="page"] { background:var(--link); color:var(--card); border-color:var(--link); }
.charts { display:grid; gap:12px; grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr)); }
figure { margin:0; min-width:0; }
figcaption { font-size:.92rem; display:flex; flex-wrap:wrap; gap:2px 8px; justify-content:space-between; overflow-wrap:anywhere; }
figcaption span { color:var(--muted); font-size:.85rem; }
svg.chart { display:block; width:100%; height:auto; }
svg.chart .grid { stroke:var(--grid); stroke-width:1; }
svg.chart .axis { stroke:var(--axis); stroke-width:1; }
svg.chart text { fill:var(--muted); font-size:12px; font-family:system-ui,sans-serif; }
svg.chart .line { fill:none; stroke:var(--plot); stroke-width:1.8; stroke-linejoin:round; stroke-linecap:round; }
svg.chart .dot { fill:var(--plot); }
table { width:100%; border-collapse:collapse; font-size:.92rem; }
th, td { text-align:left; padding:6px 8px; border-top:1px solid var(--line); vertical-align:top; overflow-wrap:anywhere; }
th { color:var(--muted); font-weight:600; border-top:none; }
td ul { margin:0; padding-left:18px; }
.ongoing { color:var(--bad); font-weight:600; }
.accepted { color:var(--ok); font-weight:600; }
.failed { color:var(--bad); font-weight:600; }
.empty { color:var(--muted); margin:4px 0; }
@media (max-width:640px) {
  svg.chart text { font-size:15px; }
  .figures { grid-template-columns:repeat(2,minmax(0,1fr)); }
  thead { display:none; }
  table, tbody, tr, td { display:block; width:100%; }
  tr { border-top:1px solid var(--line); padding:6px 0; }
  td { border:none; padding:2px 0; }
  td::before { content:attr(data-label) ": "; color:var(--muted); }
}
`;
