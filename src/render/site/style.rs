//! The site's one stylesheet: readable type, colours with at least 4.5:1
//! contrast on their background, a layout that folds to one column on a
//! phone, and a print style without navigation.

pub const CSS: &str = r#":root {
  --ink: #1b1b1b;
  --muted: #4a4a4a;
  --paper: #ffffff;
  --line: #8a8a8a;
  --soft: #f2f4f7;
  --link: #0b4f9c;
  --accent: #1f4e79;
  --ok: #1e6b34;
  --fail: #a4161a;
  --warn: #7a4b00;
  --closed-bg: #fbe9e9;
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; line-height: 1.5; color: var(--ink); background: var(--paper); }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem; }
.skip:focus { left: .5rem; }
header.site { display: flex; flex-wrap: wrap; align-items: baseline; gap: 1rem; padding: .75rem 1rem; border-bottom: 2px solid var(--accent); }
header.site .brand { margin: 0; font-weight: 700; }
header.site .brand a { color: var(--ink); text-decoration: none; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
footer.site { padding: 1rem; color: var(--muted); border-top: 1px solid var(--line); font-size: .9rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h1 .id { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 1.2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
.lede { color: var(--muted); }
.count { color: var(--muted); font-weight: 400; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
.num { text-align: right; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.stage { display: inline-block; padding: 0 .4rem; border: 1px solid currentColor; border-radius: .25rem; font-size: .85rem; }
.ok { color: var(--ok); }
.fail, .conflict { color: var(--fail); }
.warn { color: var(--warn); }
.muted { color: var(--muted); }
ul.gates { margin: 0; padding-left: 1.1rem; }
.sr-label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
ul.tiles { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .75rem; }
ul.tiles a { display: block; padding: .75rem; border: 1px solid var(--line); border-radius: .4rem; text-decoration: none; height: 100%; }
ul.tiles strong { display: block; }
ul.tiles span { color: var(--muted); }
ul.months { columns: 3 12rem; }
nav.pager ul, nav.inline ul { margin: .5rem 0; }
.legend { color: var(--muted); font-size: .9rem; }
table.month { table-layout: fixed; }
table.month td { height: 6.5rem; font-size: .85rem; }
table.month td.outside { background: var(--soft); }
table.month td.closed { background: var(--closed-bg); }
table.month td.today { box-shadow: inset 0 0 0 3px var(--accent); }
table.month p.date { margin: 0; font-weight: 700; }
table.month .wd { display: none; }
table.month .tag { font-weight: 400; font-size: .75rem; border: 1px solid currentColor; padding: 0 .2rem; }
table.month ul { list-style: none; margin: .2rem 0 0; padding: 0; }
table.month li { margin-bottom: .15rem; overflow-wrap: anywhere; }
table.month li .kind { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
table.month li.release { font-weight: 600; }
table.month li.window, table.month li.holiday, table.month li.absence { color: var(--muted); }
table.month li.blackout, table.month li.nodeploy { color: var(--fail); }
table.month .detail { font-weight: 400; color: var(--muted); }
svg.chart { width: 100%; height: auto; max-width: 48rem; display: block; }
svg.chart .bar { fill: var(--accent); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { font-size: 11px; fill: var(--ink); }
figure { margin: 0; }
@media (max-width: 40rem) {
  main { padding: .5rem; }
  table.releases thead { display: none; }
  table.releases, table.releases tbody, table.releases tr, table.releases th, table.releases td { display: block; width: 100%; }
  table.releases tr { border: 1px solid var(--line); margin-bottom: .5rem; }
  table.releases th, table.releases td { border: 0; }
  table.month, table.month tbody, table.month tr, table.month td { display: block; width: 100%; }
  table.month thead { display: none; }
  table.month td { height: auto; }
  table.month td.outside, table.month td.quiet { display: none; }
  table.month .wd { display: inline; }
  dl.facts { grid-template-columns: 1fr; }
  table:not(.month):not(.releases) { display: block; overflow-x: auto; }
}
@media print {
  header.site nav, .skip, nav.pager, nav.inline, footer.site { display: none; }
  body { font-size: 10pt; }
  a { color: var(--ink); text-decoration: none; }
  main { max-width: none; padding: 0; }
  details > summary { display: none; }
  details { display: block; }
  table.month td { height: auto; min-height: 4rem; }
  section, figure, tr { break-inside: avoid; }
  svg.chart .bar { fill: #333; }
}
"#;
