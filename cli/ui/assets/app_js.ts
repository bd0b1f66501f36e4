/**
 * The page's script, part of the module (served as `/assets/app.js`; the CSP allows only
 * same-origin scripts). It listens to `/events`, renders every text with `textContent` (never
 * HTML from the Queen), asks for confirmation before each action, and POSTs actions as JSON
 * with the per-run CSRF token from the page's `<meta>`.
 *
 * @module
 */

/** `app.js`. */
export const APP_JS: string = String.raw`"use strict";
(function () {
  var csrfMeta = document.querySelector('meta[name="cohesix-csrf"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var state = null;
  var selected = null;
  var rendered = {};
  var consoleLines = [];
  var CONSOLE_KEEP = 400;

  function byId(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function errorNode(error) {
    var p = el("p", "error", error.message);
    if (error.hint) p.appendChild(el("span", "hint", "hint: " + error.hint));
    return p;
  }
  var bannerFromPoll = false;
  function showBanner(error, fromPoll) {
    bannerFromPoll = Boolean(fromPoll);
    byId("banner-message").textContent = error.message;
    byId("banner-hint").textContent = error.hint ? "hint: " + error.hint : "";
    byId("banner").hidden = false;
  }
  function hideBanner() { byId("banner").hidden = true; }
  function kv(pairs) {
    var dl = el("dl", "kv");
    pairs.forEach(function (pair) {
      dl.appendChild(el("dt", null, pair[0]));
      dl.appendChild(el("dd", null, pair[1]));
    });
    return dl;
  }
  function changed(key, value) {
    var text = JSON.stringify(value);
    if (rendered[key] === text) return false;
    rendered[key] = text;
    return true;
  }

  // ---- confirmation dialog -------------------------------------------------------------
  var pending = null;
  function confirmAction(title, text, fields, run) {
    var dialog = byId("confirm");
    byId("confirm-title").textContent = title;
    byId("confirm-text").textContent = text;
    var box = byId("confirm-fields");
    clear(box);
    var inputs = {};
    fields.forEach(function (field) {
      var label = el("label", null, field.label);
      var input = el("input");
      input.type = field.type || "number";
      input.value = String(field.value);
      input.name = field.name;
      input.id = "field-" + field.name;
      if (input.type === "number") input.min = "0";
      label.appendChild(input);
      box.appendChild(label);
      inputs[field.name] = input;
    });
    pending = function () {
      var values = {};
      Object.keys(inputs).forEach(function (name) { values[name] = inputs[name].value; });
      run(values);
    };
    dialog.showModal();
    byId("confirm-ok").focus();
  }
  byId("confirm-ok").addEventListener("click", function () {
    byId("confirm").close();
    var run = pending;
    pending = null;
    if (run) run();
  });
  byId("confirm-cancel").addEventListener("click", function () {
    pending = null;
    byId("confirm").close();
  });

  // ---- actions ---------------------------------------------------------------------------
  function post(name, body) {
    return fetch("/api/actions/" + name, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-cohesix-csrf": csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (type.indexOf("application/json") !== 0) {
        return response.text().then(function (text) {
          return { ok: false, audit: [], error: { message: text.trim(), hint: null } };
        });
      }
      return response.json();
    }).then(function (result) {
      if (result.ok) hideBanner(); else showBanner(result.error);
      return result;
    }, function () {
      var error = { message: "the UI server did not answer", hint: "is cohesix ui still running?" };
      showBanner(error);
      return { ok: false, audit: [], error: error };
    });
  }

  byId("spawn").addEventListener("click", function () {
    confirmAction("Spawn a heartbeat worker", "ECHO a spawn request to /queen/ctl.",
      [{ name: "ticks", label: "ticks", value: byId("spawn-ticks").value || "5" }],
      function (values) { post("spawn", { ticks: values.ticks }); });
  });
  byId("kill").addEventListener("click", function () {
    if (!selected) return;
    var id = selected;
    confirmAction("Kill " + id, "ECHO a kill request for " + id + " to /queen/ctl.", [],
      function () {
        post("kill", { workerId: id }).then(function (result) {
          if (result.ok && selected === id) select(null);
        });
      });
  });
  ["cordon", "resume"].forEach(function (command) {
    byId(command).addEventListener("click", function () {
      confirmAction("Lifecycle " + command, "ECHO " + command + " to /queen/lifecycle/ctl.", [],
        function () { post("lifecycle", { command: command }); });
    });
  });
  byId("rollback").addEventListener("click", function () {
    confirmAction("Roll back the active model", "Swap back to the previous model of the local registry and publish it to /gpu/models/active.", [],
      function () { post("rollback", {}); });
  });
  byId("banner-close").addEventListener("click", hideBanner);

  function runConsole() {
    var input = byId("console-line");
    var line = input.value.trim();
    if (!line) return;
    input.value = "";
    appendConsole(["coh> " + line]);
    post("console", { line: line }).then(function (result) {
      if (result.ok) appendConsole(result.output || []);
      else appendConsole(["Error: " + result.error.message]);
    });
  }
  function appendConsole(lines) {
    consoleLines = consoleLines.concat(lines).slice(-CONSOLE_KEEP);
    var out = byId("console-out");
    out.textContent = consoleLines.join("\n");
    out.scrollTop = out.scrollHeight;
  }
  byId("console-run").addEventListener("click", runConsole);
  byId("console-line").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); runConsole(); }
  });

  // ---- rendering -------------------------------------------------------------------------
  function select(id) {
    selected = id;
    rendered.detail = null;
    renderHive();
    renderDetail();
  }

  function renderHeader() {
    byId("target").textContent = state.target;
    var node = state.node;
    var life = byId("lifecycle");
    var root = byId("root");
    if (node && node.ok) {
      var s = node.value.lifecycle;
      life.textContent = s;
      life.className = "badge " + (s === "ONLINE" ? "ok" : (s === "DRAINING" || s === "DEGRADED") ? "warn" : "bad");
      life.title = "reason=" + node.value.reason + " since_ms=" + node.value.sinceMs;
      root.textContent = node.value.rootReachable ? "ROOT OK" : "CUT " + node.value.cutReason;
      root.className = "badge " + (node.value.rootReachable ? "ok" : "bad");
      root.title = "last_seen_ms=" + node.value.lastSeenMs;
      byId("cordon").disabled = !(s === "ONLINE" || s === "DEGRADED");
      byId("resume").disabled = s === "ONLINE";
    } else {
      life.textContent = "lifecycle ?";
      life.className = "badge";
      root.textContent = "root ?";
      root.className = "badge";
    }
    if (state.pollError) showBanner(state.pollError, true);
    else if (bannerFromPoll) hideBanner();
    byId("footer").textContent = "poll " + state.seq + " every " + state.pollMs + " ms, last at " + state.polledAt;
  }

  function renderCounters() {
    var node = state.node;
    if (!changed("counters", node)) return;
    var box = byId("counters");
    clear(box);
    if (!node) return;
    if (!node.ok) { box.appendChild(errorNode(node.error)); return; }
    function group(title, record) {
      var span = el("span", "counter");
      span.appendChild(el("b", null, title + " "));
      span.appendChild(document.createTextNode(Object.keys(record).map(function (k) { return k + "=" + record[k]; }).join(" ")));
      box.appendChild(span);
    }
    group("sessions", node.value.sessions);
    group("pressure", node.value.pressure);
    if (Object.keys(node.value.ingest).length > 0) group("ingest", node.value.ingest);
  }

  function renderHive() {
    var section = state.workers;
    var hive = byId("hive");
    if (!section) return;
    if (!section.ok) {
      if (changed("hive", section)) { clear(hive); hive.appendChild(errorNode(section.error)); }
      return;
    }
    var workers = section.value;
    if (!changed("hive", [workers, selected])) return;
    clear(hive);
    if (workers.length === 0) hive.appendChild(el("p", "empty", "no workers"));
    var overlay = state.budgets.overlayLines;
    workers.forEach(function (worker) {
      var cell = el("button", "cell role-" + worker.role);
      cell.type = "button";
      cell.setAttribute("role", "listitem");
      cell.setAttribute("aria-pressed", worker.id === selected ? "true" : "false");
      cell.dataset.worker = worker.id;
      cell.title = worker.role + " worker " + worker.id;
      cell.appendChild(el("span", "dot"));
      cell.appendChild(el("span", "label", worker.id));
      cell.appendChild(el("span", "sub", worker.role === "gpu" ? "gpu " + worker.gpuId : "heartbeat"));
      cell.appendChild(el("pre", "overlay", worker.telemetry.slice(-overlay).join("\n")));
      cell.addEventListener("click", function () { select(worker.id === selected ? null : worker.id); });
      hive.appendChild(cell);
    });
    if (selected && !workers.some(function (w) { return w.id === selected; })) select(null);
  }

  function renderDetail() {
    var detail = byId("detail");
    var workers = state && state.workers && state.workers.ok ? state.workers.value : [];
    var worker = null;
    workers.forEach(function (w) { if (w.id === selected) worker = w; });
    if (!worker) { detail.hidden = true; rendered.detail = null; return; }
    if (!changed("detail", worker)) return;
    detail.hidden = false;
    byId("detail-title").textContent = worker.id + " (" + worker.role + (worker.gpuId ? " " + worker.gpuId : "") + ")";
    var lines = byId("detail-lines");
    if (worker.telemetryError) lines.textContent = worker.telemetryError.message;
    else lines.textContent = worker.telemetry.length ? worker.telemetry.join("\n") : "(no telemetry yet)";
  }

  function renderGpus() {
    var section = state.gpus;
    if (!section || !changed("gpus", section)) return;
    var box = byId("gpus");
    clear(box);
    if (!section.ok) { box.appendChild(errorNode(section.error)); return; }
    if (section.value.length === 0) box.appendChild(el("p", "muted", "no GPUs"));
    section.value.forEach(function (gpu) {
      var card = el("div", "card gpu");
      card.dataset.gpu = gpu.id;
      var head = el("div", "card-head");
      head.appendChild(el("h3", null, gpu.id));
      var lease = el("button", null, "Lease");
      lease.type = "button";
      lease.addEventListener("click", function () {
        confirmAction("Lease " + gpu.id, "ECHO a GPU lease (spawn gpu) for " + gpu.id + " to /queen/ctl.", [
          { name: "memMb", label: "mem_mb", value: 4096 },
          { name: "streams", label: "streams", value: 1 },
          { name: "ttlS", label: "ttl_s", value: 120 },
          { name: "priority", label: "priority", value: 0 },
        ], function (values) {
          post("lease", { gpuId: gpu.id, memMb: values.memMb, streams: values.streams, ttlS: values.ttlS, priority: values.priority });
        });
      });
      head.appendChild(lease);
      card.appendChild(head);
      if (gpu.info.ok) {
        var i = gpu.info.value;
        card.appendChild(kv([["name", i.name], ["memory", i.memory_mb + " MB"], ["SMs", i.sm_count], ["driver", i.driver + " / runtime " + i.runtime]]));
      } else card.appendChild(errorNode(gpu.info.error));
      if (gpu.lease) {
        var l = gpu.lease;
        card.appendChild(kv([["lease", l.state + " " + l.workerId + (l.workerAlive ? "" : " (worker gone)")], ["terms", "mem_mb=" + l.memMb + " streams=" + l.streams + " ttl_s=" + l.ttlS + " priority=" + l.priority]]));
      } else card.appendChild(kv([["lease", "none"]]));
      if (gpu.breadcrumbs.length) {
        var list = el("ol", "crumbs");
        gpu.breadcrumbs.forEach(function (line) { list.appendChild(el("li", null, line)); });
        card.appendChild(list);
      }
      box.appendChild(card);
    });
  }

  function renderDevices() {
    var section = state.telemetry;
    if (!section || !changed("devices", section)) return;
    var box = byId("devices");
    clear(box);
    if (!section.ok) { box.appendChild(errorNode(section.error)); return; }
    if (section.value.length === 0) { box.appendChild(el("p", "muted", "no telemetry devices")); return; }
    var list = el("ul", "plain");
    section.value.forEach(function (device) {
      var item = el("li");
      item.appendChild(el("span", "mono", device.id));
      item.appendChild(el("span", "muted mono", device.segments.length + " segment(s)" + (device.latest ? ", latest " + device.latest : "")));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderModels() {
    var models = state.models;
    if (!models || !changed("models", models)) return;
    var box = byId("models");
    clear(box);
    box.appendChild(kv([
      ["Queen active", models.queenActive || "none"],
      ["Queen available", models.queenAvailable === null ? "not published" : (models.queenAvailable.join(", ") || "none")],
    ]));
    var registry = models.registry;
    if (!registry.ok) { box.appendChild(errorNode(registry.error)); return; }
    var r = registry.value;
    box.appendChild(kv([["registry", r.root], ["current", r.current || "none"], ["previous", r.previous || "none"]]));
    byId("rollback").disabled = !r.previous;
    var list = el("ul", "plain");
    if (r.available.length === 0) list.appendChild(el("li", "muted", "no models imported"));
    r.available.forEach(function (id) {
      var item = el("li");
      item.appendChild(el("span", "mono", id + (id === r.current ? " (active)" : "")));
      var button = el("button", null, "Activate");
      button.type = "button";
      button.disabled = id === r.current;
      button.addEventListener("click", function () {
        confirmAction("Activate " + id, "Make " + id + " the active model and publish it to /gpu/models/active.", [],
          function () { post("activate", { modelId: id }); });
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderLines(key, id, section) {
    if (!section || !changed(key, section)) return;
    var pre = byId(id);
    var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = section.ok ? section.value.join("\n") : section.error.message;
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  function render() {
    renderHeader();
    renderCounters();
    renderHive();
    renderDetail();
    renderGpus();
    renderDevices();
    renderModels();
    renderLines("log", "log", state.log);
    byId("log-hidden").textContent = state.logHiddenReads > 0
      ? "(" + state.logHiddenReads + " console read audit lines hidden)" : "";
    renderLines("audit", "audit", { ok: true, value: state.audit.length ? state.audit : ["(no actions yet)"] });
    document.body.dataset.seq = String(state.seq);
  }

  // ---- live updates ------------------------------------------------------------------------
  var conn = byId("conn");
  function connect() {
    var source = new EventSource("/events");
    source.addEventListener("open", function () { conn.textContent = "live"; conn.className = "badge ok"; });
    source.addEventListener("error", function () { conn.textContent = "reconnecting"; conn.className = "badge warn"; });
    source.addEventListener("state", function (event) {
      state = JSON.parse(event.data);
      render();
    });
  }
  connect();
})();
`;
