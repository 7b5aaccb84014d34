/**
 * The console's one stylesheet (served at /console/assets/console-<hash>.css; no inline styles, which the
 * Content-Security-Policy refuses). Light and dark themes from the same custom properties: the system's choice,
 * or the person's (the theme button sets data-theme on <html>). Colours keep a contrast of at least 4.5:1.
 */
export const CONSOLE_CSS = String.raw`
:root {
  color-scheme: light;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --border: #c9d1d9; --panel: #f6f8fa; --raised: #ffffff;
  --accent: #0a58ca; --accent-fg: #ffffff; --focus: #0a58ca; --line: #8c959f; --select: #ddf4ff;
  --ok: #116329; --ok-bg: #dafbe1; --warn: #7d4e00; --warn-bg: #fff8c5; --bad: #a40e26; --bad-bg: #ffebe9;
  --info: #3b4a5a; --info-bg: #eaeef2; --status: #5a2ea6; --status-bg: #f1eaff;
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme="light"]) {
    color-scheme: dark;
    --bg: #0d1117; --fg: #e6edf3; --muted: #9ea7b3; --border: #3d444d; --panel: #161b22; --raised: #1c2129;
    --accent: #6cb6ff; --accent-fg: #0d1117; --focus: #6cb6ff; --line: #768390; --select: #12314d;
    --ok: #56d364; --ok-bg: #0f2e1a; --warn: #e3b341; --warn-bg: #332701; --bad: #ff8b82; --bad-bg: #3c1216;
    --info: #c9d1d9; --info-bg: #262c36; --status: #d2a8ff; --status-bg: #2a1f41;
  }
}
:root[data-theme="dark"] {
  color-scheme: dark;
  --bg: #0d1117; --fg: #e6edf3; --muted: #9ea7b3; --border: #3d444d; --panel: #161b22; --raised: #1c2129;
  --accent: #6cb6ff; --accent-fg: #0d1117; --focus: #6cb6ff; --line: #768390; --select: #12314d;
  --ok: #56d364; --ok-bg: #0f2e1a; --warn: #e3b341; --warn-bg: #332701; --bad: #ff8b82; --bad-bg: #3c1216;
  --info: #c9d1d9; --info-bg: #262c36; --status: #d2a8ff; --status-bg: #2a1f41;
}
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; background: var(--bg); color: var(--fg); }
body { margin: 0; }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.87rem; }
pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem; overflow: auto; max-height: 24rem; white-space: pre-wrap; word-break: break-word; margin: 0.3rem 0 0.8rem; }
h1 { font-size: 1.45rem; margin: 0.2rem 0 0.8rem; }
h2 { font-size: 1.15rem; margin: 1.2rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0.9rem 0 0.3rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--accent); color: var(--accent-fg); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { left: 0.5rem; top: 0.5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted { color: var(--muted); }

/* ---- header and navigation */
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 1.2rem; padding: 0.55rem 1.2rem; border-bottom: 1px solid var(--border); background: var(--panel); }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
.top nav ul { display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; list-style: none; margin: 0; padding: 0; }
.top nav a { text-decoration: none; padding: 0.2rem 0.1rem; border-bottom: 2px solid transparent; }
.top nav a[aria-current="page"] { border-bottom-color: var(--accent); color: var(--fg); font-weight: 600; }
.top .who { margin-left: auto; display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; }
.top form { margin: 0; }
main { padding: 1rem 1.2rem 3rem; max-width: 1600px; }
.banner { border: 1px solid var(--border); border-left: 4px solid var(--accent); background: var(--panel); padding: 0.6rem 0.8rem; border-radius: 4px; margin: 0 0 1rem; }
.banner.ok { border-left-color: var(--ok); }
.banner.bad { border-left-color: var(--bad); }

/* ---- forms and buttons */
button, .button, input, select, textarea { font: inherit; color: inherit; }
input, select, textarea { background: var(--raised); border: 1px solid var(--line); border-radius: 4px; padding: 0.3rem 0.45rem; min-height: 2.1rem; max-width: 100%; }
button, .button { display: inline-block; background: var(--raised); border: 1px solid var(--line); border-radius: 4px; padding: 0.3rem 0.75rem; min-height: 2.1rem; cursor: pointer; text-decoration: none; color: var(--fg); }
button.primary, .button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
button.danger { border-color: var(--bad); color: var(--bad); }
label { display: inline-flex; flex-direction: column; gap: 0.15rem; font-size: 0.87rem; color: var(--muted); }
label.check { flex-direction: row; align-items: center; gap: 0.35rem; color: var(--fg); font-size: 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: 0.6rem 0.9rem; align-items: flex-end; margin-bottom: 1rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.8rem 0; }
.stack { display: grid; gap: 0.7rem; max-width: 28rem; }
.stack label { color: var(--fg); font-size: 1rem; }

/* ---- tables */
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--border); }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td { vertical-align: middle; }
td > .actions, td > form.actions { margin: 0; flex-wrap: nowrap; }
.pager { display: flex; gap: 1rem; align-items: center; margin: 0.8rem 0; }
.mapping-table input[type="text"] { width: 100%; min-width: 7rem; }
.mapping-table select { min-width: 9rem; }
.mapping-table tr.changed td { background: var(--select); }

/* ---- badges */
.badge { display: inline-block; padding: 0.05rem 0.45rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600; background: var(--info-bg); color: var(--info); white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.status { background: var(--status-bg); color: var(--status); }

/* ---- the journey */
.journey-page { display: grid; gap: 1.2rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 1100px) { .journey-page { grid-template-columns: minmax(0, 1fr) 25rem; } .side { position: sticky; top: 0.5rem; align-self: start; max-height: calc(100vh - 1rem); overflow: auto; } }
.order-facts { display: flex; flex-wrap: wrap; gap: 0.3rem 1.4rem; margin: 0 0 0.8rem; padding: 0; }
.order-facts div { display: flex; gap: 0.4rem; }
.order-facts dt { color: var(--muted); }
.order-facts dd { margin: 0; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; font-size: 0.87rem; color: var(--muted); margin: 0.4rem 0 0.6rem; }
.journey { border: 1px solid var(--border); border-radius: 6px; background: var(--bg); }
.jrow { --time: 6.4rem; display: grid; grid-template-columns: var(--time) repeat(5, minmax(0, 1fr)); min-height: 3.4rem; }
.jrow > * { grid-row: 1; }
/* The five lanes: a line down the centre of each column (order-sync's thicker), drawn behind the row. */
.jrow:not(.head) {
  background-image: linear-gradient(var(--border), var(--border)), linear-gradient(var(--line), var(--line)), linear-gradient(var(--border), var(--border)), linear-gradient(var(--border), var(--border)), linear-gradient(var(--border), var(--border));
  background-size: 2px 100%, 4px 100%, 2px 100%, 2px 100%, 2px 100%;
  background-repeat: no-repeat;
  background-position: calc(var(--time) + (100% - var(--time)) * 0.1) 0, calc(var(--time) + (100% - var(--time)) * 0.3) 0, calc(var(--time) + (100% - var(--time)) * 0.5) 0, calc(var(--time) + (100% - var(--time)) * 0.7) 0, calc(var(--time) + (100% - var(--time)) * 0.9) 0;
}
.jrow.head { position: sticky; top: 0; z-index: 2; background: var(--panel); border-bottom: 1px solid var(--border); }
.lane-head { padding: 0.45rem 0.3rem; text-align: center; font-weight: 600; font-size: 0.87rem; }
.lane-head.time { grid-column: 1; text-align: left; }
.jrow > .t { grid-column: 1; font-size: 0.78rem; color: var(--muted); padding: 0.5rem 0.3rem 0 0.45rem; font-variant-numeric: tabular-nums; }
.jrow + .jrow:not(.head) { border-top: 1px solid var(--panel); }
.l1 { grid-column: 2; } .l2 { grid-column: 3; } .l3 { grid-column: 4; } .l4 { grid-column: 5; } .l5 { grid-column: 6; }
.s1 { grid-column-start: 2; } .s2 { grid-column-start: 3; } .s3 { grid-column-start: 4; } .s4 { grid-column-start: 5; } .s5 { grid-column-start: 6; }
.e1 { grid-column-end: 3; } .e2 { grid-column-end: 4; } .e3 { grid-column-end: 5; } .e4 { grid-column-end: 6; } .e5 { grid-column-end: 7; }
/* The shaft runs from lane centre to lane centre: half a column in from each end of the arrow's span. */
.w2 > .shaft { margin-inline: 25%; } .w3 > .shaft { margin-inline: 16.667%; } .w4 > .shaft { margin-inline: 12.5%; } .w5 > .shaft { margin-inline: 10%; }
.jrow > .arrow { z-index: 1; display: flex; flex-direction: column; justify-content: center; gap: 0.1rem; padding: 0.2rem 0; color: var(--fg); text-decoration: none; border-radius: 4px; min-width: 0; }
.arrow .label { font-size: 0.83rem; font-weight: 600; text-align: center; overflow-wrap: anywhere; padding: 0 0.3rem; background: var(--bg); align-self: center; max-width: 100%; border-radius: 3px; }
.arrow .tags { display: flex; flex-wrap: wrap; gap: 0.2rem; justify-content: center; }
.arrow .shaft { position: relative; height: 0; border-top: 2px solid var(--fg); margin-block: 0.15rem; }
.arrow.out .shaft { border-top-style: dashed; }
.arrow.ltr .shaft::after, .arrow.rtl .shaft::after { content: ""; position: absolute; top: -7px; border: 6px solid transparent; }
.arrow.ltr .shaft::after { right: -4px; border-left: 9px solid var(--fg); border-right: 0; }
.arrow.rtl .shaft::after { left: -4px; border-right: 9px solid var(--fg); border-left: 0; }
.arrow.self { align-items: center; }
.arrow.self .label { border: 1px solid var(--line); border-radius: 999px; padding: 0.1rem 0.7rem; font-weight: 500; }
.arrow.status .label { border-color: var(--status); color: var(--status); background: var(--status-bg); font-weight: 700; }
.arrow:hover .label, .arrow[aria-current="true"] .label { background: var(--select); }
.arrow[aria-current="true"] { outline: 2px solid var(--accent); outline-offset: 1px; }
.arrow .route { font-size: 0.78rem; color: var(--muted); }
@media (min-width: 700px) { .arrow .route { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; } }
@media (max-width: 699px) {
  .jrow { --time: 5.2rem; grid-template-columns: var(--time) minmax(0, 1fr); }
  .jrow:not(.head) { background-image: none; }
  .jrow > .lane-head:not(.time):not(.events) { display: none; }
  .jrow > .lane-head.events { display: block; grid-column: 2; text-align: left; }
  .jrow > .arrow { grid-column: 2 !important; margin-inline: 0 !important; align-items: stretch; padding: 0.45rem 0.5rem; }
  .arrow .label { text-align: left; white-space: normal; align-self: flex-start; }
  .jrow > .arrow .tags, .jrow > .arrow .attempts { justify-content: flex-start; }
  .jrow > .t { font-size: 0.74rem; padding-left: 0.35rem; }
  .jrow > .t .ms { display: none; }
  .arrow .shaft { display: none; }
}
@media (min-width: 700px) { .jrow > .lane-head.events { display: none; } }
.arrow .attempts { display: flex; flex-basis: 100%; flex-wrap: wrap; gap: 0.2rem; justify-content: center; }
.att { font-size: 0.75rem; font-family: ui-monospace, Menlo, Consolas, monospace; border: 1px solid var(--border); border-radius: 3px; padding: 0 0.25rem; background: var(--raised); }
.att.ok { color: var(--ok); border-color: var(--ok); }
.att.bad { color: var(--bad); border-color: var(--bad); }
.detail dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.2rem 0.8rem; margin: 0.4rem 0; }
.detail dt { color: var(--muted); }
.detail dd { margin: 0; word-break: break-word; }
.history-text { list-style: none; margin: 0; padding: 0; font-size: 0.87rem; }
.history-text li { padding: 0.3rem 0; border-bottom: 1px solid var(--border); }
.history-text time { color: var(--muted); font-variant-numeric: tabular-nums; }
.panel { border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem 0.8rem; background: var(--raised); margin-bottom: 1rem; }
.panel > h2:first-child { margin-top: 0; }
dialog { border: 1px solid var(--border); border-radius: 8px; background: var(--raised); color: var(--fg); max-width: 32rem; }
dialog::backdrop { background: rgb(0 0 0 / 45%); }
@media (max-width: 699px) { main { padding: 0.8rem 0.7rem 2rem; } .top { padding: 0.5rem 0.7rem; } .top .who { margin-left: 0; } }
`;
