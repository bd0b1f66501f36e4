/**
 * The page's stylesheet, part of the module (no external fonts, no CDN). Light and dark follow
 * `prefers-color-scheme`; one column on a phone, a grid on a laptop.
 *
 * @module
 */

/** `app.css`. */
export const APP_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #5b6470; --line: #d9dde3;
  --accent: #b26b00; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da;
  --gpu: #d98e04; --heartbeat: #1f8a9e; --code-bg: #f0f2f5; --focus: #0969da;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1216; --panel: #171b21; --text: #e6e9ee; --muted: #9aa4b1; --line: #2c333d;
    --accent: #f0a830; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #58a6ff;
    --gpu: #f0a830; --heartbeat: #39c5cf; --code-bg: #0b0e12; --focus: #58a6ff;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.45 var(--sans); }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: 0; font-family: var(--mono); }
.muted { color: var(--muted); }
button, input {
  font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; padding: .3rem .65rem;
}
button { cursor: pointer; }
button:hover { border-color: var(--accent); }
button:focus-visible, input:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
button:disabled { opacity: .5; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { border-color: var(--bad); color: var(--bad); }
button.link { border: 0; background: none; padding: 0 .3rem; }
input[type=number] { width: 6.5rem; }
.top {
  display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .7rem 1rem;
  background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2;
}
.brand { display: flex; gap: .5rem; align-items: center; }
.badges, .buttons, .toolbar { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }
.buttons { margin-left: auto; }
.badge {
  font: 600 .8rem/1 var(--mono); padding: .35rem .55rem; border-radius: 999px;
  border: 1px solid var(--line); white-space: nowrap;
}
.badge.ok { color: var(--ok); border-color: var(--ok); }
.badge.warn { color: var(--warn); border-color: var(--warn); }
.badge.bad { color: var(--bad); border-color: var(--bad); }
.banner {
  margin: .7rem 1rem 0; padding: .6rem .8rem; border: 1px solid var(--bad); border-radius: 8px;
  background: var(--panel); display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap;
}
.banner strong { color: var(--bad); }
.banner #banner-close { margin-left: auto; }
.counters { display: flex; flex-wrap: wrap; gap: .5rem; padding: .7rem 1rem 0; }
.counter {
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .35rem .6rem;
  font-family: var(--mono); font-size: .82rem;
}
.counter b { font-weight: 600; }
.grid {
  display: grid; gap: .8rem; padding: .8rem 1rem 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr));
}
.panel {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: .8rem;
  min-width: 0;
}
.panel.wide, .hive-panel { grid-column: 1 / -1; }
@media (min-width: 1100px) { .hive-panel { grid-column: span 2; } .panel.wide { grid-column: span 2; } }
.panel-head { display: flex; gap: .5rem; align-items: center; justify-content: space-between; flex-wrap: wrap; margin-bottom: .4rem; }
.panel-head h2 { margin: 0; }
.legend { font-size: .82rem; color: var(--muted); display: flex; gap: .4rem; align-items: center; margin-bottom: .5rem; }
.swatch { width: .8rem; height: .8rem; border-radius: 50%; display: inline-block; margin-left: .4rem; }
.swatch.role-gpu, .role-gpu .dot { background: var(--gpu); }
.swatch.role-heartbeat, .role-heartbeat .dot { background: var(--heartbeat); }
.hive { display: grid; gap: .6rem; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
.hive .empty { color: var(--muted); }
.cell {
  display: flex; flex-direction: column; align-items: center; gap: .25rem; text-align: center;
  padding: .55rem .4rem; border-radius: 10px; background: var(--code-bg); border: 2px solid transparent;
  min-width: 0;
}
.cell[aria-pressed=true] { border-color: var(--accent); }
.dot { width: 34px; height: 34px; border-radius: 50%; box-shadow: 0 0 0 4px color-mix(in srgb, currentColor 8%, transparent); }
.cell .label { font: 600 .85rem/1.2 var(--mono); }
.cell .sub { font-size: .75rem; color: var(--muted); }
.overlay {
  margin: 0; width: 100%; font: .7rem/1.3 var(--mono); color: var(--muted); text-align: left;
  white-space: pre; overflow: hidden; text-overflow: ellipsis; min-height: 2.7rem;
}
.detail { margin-top: .8rem; border-top: 1px solid var(--line); padding-top: .6rem; }
.lines {
  margin: 0; padding: .5rem; background: var(--code-bg); border-radius: 6px; font: .78rem/1.4 var(--mono);
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 22rem; overflow: auto;
}
.console-out { min-height: 6rem; }
.console-in { display: flex; gap: .4rem; align-items: center; margin-top: .5rem; }
.console-in input { flex: 1; min-width: 0; font-family: var(--mono); }
.prompt { font-family: var(--mono); color: var(--muted); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .55rem .65rem; margin-bottom: .55rem; }
.card-head { display: flex; justify-content: space-between; gap: .5rem; align-items: center; flex-wrap: wrap; }
.card h3 { font-size: .95rem; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .7rem; font-size: .84rem; margin: .35rem 0 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; font-family: var(--mono); overflow-wrap: anywhere; }
.crumbs { margin: .35rem 0 0; padding-left: 1.1rem; font: .76rem/1.4 var(--mono); }
.error { color: var(--bad); margin: .3rem 0; }
.error .hint { color: var(--muted); display: block; }
ul.plain { list-style: none; padding: 0; margin: 0; }
ul.plain li { display: flex; justify-content: space-between; gap: .5rem; align-items: center; padding: .2rem 0; border-bottom: 1px dashed var(--line); flex-wrap: wrap; }
.mono { font-family: var(--mono); font-size: .85rem; }
footer { padding: 0 1rem 1rem; font-size: .78rem; }
dialog {
  border: 1px solid var(--line); border-radius: 10px; background: var(--panel); color: var(--text);
  padding: 1rem; width: min(92vw, 420px);
}
dialog::backdrop { background: rgb(0 0 0 / .45); }
.fields { display: grid; gap: .45rem; margin: .6rem 0; }
.fields label { display: flex; justify-content: space-between; gap: .6rem; align-items: center; }
.dialog-buttons { display: flex; justify-content: flex-end; gap: .5rem; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  .buttons { margin-left: 0; }
  .hive { grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); }
}
`;
