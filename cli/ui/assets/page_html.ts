/**
 * The page's HTML, part of the module so `deno compile` and bundles carry it (no file is read at
 * run time). Static except for the per-run CSRF token in a `<meta>` (no inline script: the CSP
 * forbids it). Everything dynamic is filled in by `app.js` through `textContent`.
 *
 * @module
 */

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="cohesix-csrf" content="@CSRF@">
<title>Cohesix hive</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand"><img src="/assets/icon.svg" alt="" width="24" height="24"><h1>Cohesix hive</h1></div>
  <span id="target" class="muted"></span>
  <span class="badges">
    <span id="lifecycle" class="badge">…</span>
    <span id="root" class="badge">…</span>
    <span id="conn" class="badge">connecting</span>
  </span>
  <span class="buttons">
    <button type="button" id="cordon">Cordon</button>
    <button type="button" id="resume">Resume</button>
  </span>
</header>
<div id="banner" class="banner" role="alert" hidden>
  <strong id="banner-message"></strong> <span id="banner-hint"></span>
  <button type="button" id="banner-close" class="link" aria-label="dismiss">×</button>
</div>
<section id="counters" class="counters" aria-label="counters"></section>
<main class="grid">
  <section class="panel hive-panel" aria-labelledby="h-workers">
    <div class="panel-head">
      <h2 id="h-workers">Workers</h2>
      <span class="toolbar">
        <label>ticks <input id="spawn-ticks" type="number" value="5" min="0" inputmode="numeric"></label>
        <button type="button" id="spawn">Spawn worker</button>
      </span>
    </div>
    <div class="legend"><span class="swatch role-gpu"></span>GPU worker <span class="swatch role-heartbeat"></span>heartbeat worker</div>
    <div id="hive" class="hive" role="list"></div>
    <div id="detail" class="detail" hidden>
      <div class="panel-head">
        <h3 id="detail-title"></h3>
        <button type="button" id="kill" class="danger">Kill worker</button>
      </div>
      <pre id="detail-lines" class="lines"></pre>
    </div>
  </section>
  <section class="panel" aria-labelledby="h-gpus"><h2 id="h-gpus">GPUs</h2><div id="gpus"></div></section>
  <section class="panel" aria-labelledby="h-telemetry"><h2 id="h-telemetry">Telemetry</h2><div id="devices"></div></section>
  <section class="panel" aria-labelledby="h-models">
    <div class="panel-head"><h2 id="h-models">Models</h2><button type="button" id="rollback">Roll back</button></div>
    <div id="models"></div>
  </section>
  <section class="panel wide" aria-labelledby="h-console">
    <h2 id="h-console">Console</h2>
    <pre id="console-out" class="lines console-out"></pre>
    <div class="console-in"><span class="prompt">coh&gt;</span><input id="console-line" autocomplete="off" spellcheck="false" placeholder="ls /proc" aria-label="console command"><button type="button" id="console-run">Run</button></div>
  </section>
  <section class="panel" aria-labelledby="h-audit"><h2 id="h-audit">Audit</h2><pre id="audit" class="lines"></pre></section>
  <section class="panel wide" aria-labelledby="h-log"><div class="panel-head"><h2 id="h-log">queen.log</h2><span id="log-hidden" class="muted"></span></div><pre id="log" class="lines"></pre></section>
</main>
<footer class="muted" id="footer"></footer>
<dialog id="confirm" aria-labelledby="confirm-title">
  <h3 id="confirm-title"></h3>
  <p id="confirm-text"></p>
  <div id="confirm-fields" class="fields"></div>
  <div class="dialog-buttons">
    <button type="button" id="confirm-cancel">Cancel</button>
    <button type="button" id="confirm-ok" class="primary">Confirm</button>
  </div>
</dialog>
</body>
</html>
`;

/** The page with `csrf` in its `<meta name="cohesix-csrf">` (a base64url token: no escaping). */
export function pageHtml(csrf: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(csrf)) throw new TypeError("csrf token must be base64url");
  return PAGE.replace("@CSRF@", csrf);
}
