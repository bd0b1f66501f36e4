/**
 * `cohesix ui` end to end in a real headless Chromium, against the in-repo console server over
 * TCP: the page shows the mock Queen's GPUs and workers, a spawn from the page adds a dot,
 * selecting a worker shows its telemetry, a kill removes it, a request without the token is
 * refused. Screenshots of the main view go to `out/ui/`. Without Chromium the test is skipped
 * with a message, except under CI=true, where it must run.
 */

import assert from "node:assert/strict";
import { main } from "../cli/main.ts";
import { type CapturedIo, captureIo } from "./cli_io.ts";
import { ConsoleServer } from "../server/console_server.ts";
import { chromiumPath, HeadlessChromium } from "./headless_chromium.ts";

const chromium = chromiumPath();
const inCi = Deno.env.get("CI") === "true";
if (chromium === undefined && !inCi) {
  console.warn(
    "ui_browser_test: skipped, no chromium found (install Debian's chromium or set CHROMIUM)",
  );
}

const OUT_DIR = new URL("../out/ui/", import.meta.url).pathname;

/** The URL `cohesix ui` prints, once it has printed it. */
async function waitForUrl(io: CapturedIo, running: Promise<number>): Promise<string> {
  let exited = false;
  running.then(() => exited = true, () => exited = true);
  for (;;) {
    const match = /^cohesix ui: (\S+)\n$/.exec(io.stdout());
    if (match) return match[1]!;
    if (exited) throw new Error(`cohesix ui ended: ${io.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function seedRegistry(root: string): Promise<void> {
  for (const model of ["llama3-edge-v6", "llama3-edge-v7"]) {
    await Deno.mkdir(`${root}/available/${model}`, { recursive: true });
    await Deno.writeTextFile(
      `${root}/available/${model}/manifest.toml`,
      `[model]\nid="${model}"\n`,
    );
  }
}

Deno.test({
  name: "cohesix ui in headless Chromium: GPUs, workers, spawn, select, kill, no token",
  ignore: chromium === undefined && !inCi,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (chromium === undefined) {
      throw new Error("CI=true but no chromium: .ci/run installs Debian's chromium package");
    }
    await using queen = await ConsoleServer.start({ port: 0, seed: "demo" });
    const ns = queen.namespace;
    ns.spawn('{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":1,"ttl_s":60}}');
    ns.spawn('{"spawn":"heartbeat","ticks":5}');
    for (const line of ["boot ok", "step=1 loss=0.91", "step=2 loss=0.72", "step=3 loss=0.55"]) {
      ns.echo("/worker/worker-1/telemetry", `${line}\n`);
    }
    ns.echo("/worker/worker-2/telemetry", "tick 1\n");
    ns.echo(
      "/gpu/GPU-0/status",
      '{"schema":"gpu-breadcrumb/v1","event":"START","command":"echo ok","status":"RUNNING"}',
    );
    ns.echo(
      "/gpu/GPU-0/status",
      '{"schema":"gpu-breadcrumb/v1","event":"EXIT","command":"echo ok","status":"OK","exit_code":0}',
    );
    const registry = await Deno.makeTempDir({ prefix: "cohesix-ui-registry-" });
    await seedRegistry(registry);
    // `cohesix ui` itself, in process, on the console server over TCP.
    const io = captureIo();
    const running = main([
      "--host",
      "127.0.0.1",
      "--port",
      String(queen.port),
      "--auth-token",
      "changeme",
      "ui",
      "--poll-ms",
      "250",
      "--registry",
      registry,
    ], io);
    const url = await waitForUrl(io, running);
    const origin = new URL(url).origin;
    await using browser = await HeadlessChromium.launch(chromium);
    const page = await browser.newPage();
    await page.viewport(1440, 1000);
    await page.colorScheme("light");
    await page.goto(url);

    // The redirect dropped the token from the address bar; the page shows the mock Queen.
    assert.equal(await page.evaluate<string>("location.href"), `${origin}/`);
    await page.waitFor("document.querySelectorAll('#gpus .gpu').length === 2", "two GPU cards");
    await page.waitFor("document.querySelectorAll('#hive .cell').length === 2", "two workers");
    assert.deepEqual(
      await page.evaluate<string[]>(
        "[...document.querySelectorAll('#gpus .gpu h3')].map((h) => h.textContent)",
      ),
      ["GPU-0", "GPU-1"],
    );
    assert.deepEqual(
      await page.evaluate<string[]>(
        "[...document.querySelectorAll('#hive .cell')].map((c) => c.dataset.worker + ' ' + c.className)",
      ),
      ["worker-1 cell role-gpu", "worker-2 cell role-heartbeat"],
    );
    assert.match(
      await page.evaluate<string>("document.querySelector('#gpus').textContent"),
      /ACTIVE worker-1/,
    );
    assert.equal(
      await page.evaluate<string>("document.querySelector('#lifecycle').textContent"),
      "ONLINE",
    );
    assert.equal(
      await page.evaluate<string>("document.querySelector('#root').textContent"),
      "ROOT OK",
    );
    // The overlay shows the last 3 telemetry lines of worker-1.
    assert.equal(
      await page.evaluate<string>(
        "document.querySelector('.cell[data-worker=\"worker-1\"] .overlay').textContent",
      ),
      "step=1 loss=0.91\nstep=2 loss=0.72\nstep=3 loss=0.55",
    );

    // Spawn from the page (with its confirmation): a new dot appears.
    await page.click("#spawn");
    await page.waitFor("document.querySelector('#confirm').open", "the confirmation dialog");
    await page.click("#confirm-ok");
    await page.waitFor(
      "document.querySelector('.cell[data-worker=\"worker-3\"]')",
      "the spawned worker's dot",
    );
    assert.deepEqual(ns.workers(), ["worker-1", "worker-2", "worker-3"]);

    // Selecting a worker shows its telemetry in the detail panel.
    await page.click('.cell[data-worker="worker-1"]');
    await page.waitFor("!document.querySelector('#detail').hidden", "the detail panel");
    assert.equal(
      await page.evaluate<string>("document.querySelector('#detail-lines').textContent"),
      "boot ok\nstep=1 loss=0.91\nstep=2 loss=0.72\nstep=3 loss=0.55",
    );
    await page.waitFor(
      "document.querySelector('#audit').textContent.includes('spawn requested role=heartbeat')",
      "the spawn's audit lines",
    );

    // Kill the new worker from its detail panel: its dot goes away.
    await page.click('.cell[data-worker="worker-3"]');
    await page.waitFor(
      "document.querySelector('#detail-title').textContent.startsWith('worker-3')",
      "worker-3 selected",
    );
    await page.click("#kill");
    await page.waitFor("document.querySelector('#confirm').open", "the kill confirmation");
    await page.click("#confirm-ok");
    await page.waitFor(
      "!document.querySelector('.cell[data-worker=\"worker-3\"]')",
      "the killed worker's dot to go",
    );
    assert.deepEqual(ns.workers(), ["worker-1", "worker-2"]);
    await page.waitFor(
      "document.querySelector('#audit').textContent.includes('kill requested worker_id=worker-3')",
      "the kill's audit lines",
    );
    assert.ok(!(await page.evaluate<string>("document.body.innerText")).includes("changeme"));

    // Lease GPU-1 from its card: a GPU worker appears and the card shows the lease.
    await page.click('#gpus .gpu[data-gpu="GPU-1"] button');
    await page.waitFor("document.querySelector('#confirm').open", "the lease dialog");
    await page.evaluate("document.querySelector('#field-memMb').value = '2048'");
    await page.click("#confirm-ok");
    await page.waitFor(
      "document.querySelector('.cell.role-gpu[data-worker=\"worker-4\"]')",
      "the leased GPU worker's dot",
    );
    await page.waitFor(
      "document.querySelector('#gpus .gpu[data-gpu=\"GPU-1\"]').textContent.includes('ACTIVE worker-4')",
      "GPU-1's lease",
    );
    assert.match(
      await page.evaluate<string>("document.querySelector('#gpus').textContent"),
      /mem_mb=2048 streams=1 ttl_s=120 priority=0/,
    );

    // Activate a model of the local registry: the Queen's active model follows.
    await page.click("#models li:nth-child(2) button");
    await page.waitFor("document.querySelector('#confirm').open", "the activate dialog");
    await page.click("#confirm-ok");
    await page.waitFor(
      "document.querySelector('#models').textContent.includes('Queen activellama3-edge-v7')",
      "the Queen's active model",
    );
    assert.equal(
      (await Deno.readTextFile(`${registry}/active_state.toml`)).trim(),
      'current = "llama3-edge-v7"',
    );

    // The main view, with worker-1 selected, saved for people to look at.
    await page.click('.cell[data-worker="worker-1"]');
    await page.waitFor(
      "document.querySelector('#detail-title').textContent.startsWith('worker-1')",
      "worker-1 selected again",
    );
    await Deno.mkdir(OUT_DIR, { recursive: true });
    await page.screenshot(`${OUT_DIR}main.png`);
    const background = "getComputedStyle(document.body).backgroundColor";
    const light = await page.evaluate<string>(background);
    await page.colorScheme("dark");
    assert.notEqual(await page.evaluate<string>(background), light, "follows the dark scheme");
    await page.screenshot(`${OUT_DIR}main-dark.png`);
    await page.colorScheme("light");
    await page.viewport(390, 844, true);
    assert.ok(
      await page.evaluate<boolean>("document.documentElement.scrollWidth <= 390"),
      "nothing wider than a phone screen",
    );
    await page.screenshot(`${OUT_DIR}phone.png`);
    await page.viewport(1440, 1000);

    // The console panel runs cohsh lines on the UI's own console session.
    await page.click("#console-line");
    await page.type("ls /proc");
    await page.send("Input.dispatchKeyEvent", { type: "keyDown", key: "Enter", code: "Enter" });
    await page.waitFor(
      "document.querySelector('#console-out').textContent.includes('pressure')",
      "the console panel's answer",
    );
    assert.equal(
      await page.evaluate<string>("document.querySelector('#console-out').textContent"),
      [
        "coh> ls /proc",
        "[console] OK LS path=/proc entries=7",
        "boot",
        "tests",
        "lifecycle",
        "9p",
        "ingest",
        "root",
        "pressure",
      ].join("\n"),
    );

    // A browser without the token (fresh context, no cookie) is refused.
    const stranger = await browser.newPage({ incognito: true });
    await stranger.goto(`${origin}/`);
    assert.match(
      await stranger.evaluate<string>("document.body.innerText"),
      /needs the URL with the token/,
    );
    assert.equal(await stranger.evaluate<unknown>("document.querySelector('#hive')"), null);
    // Ctrl-C: the UI stops and quits its console session.
    io.interrupt();
    assert.equal(await running, 0, io.stderr());
    assert.equal(io.stdout().split("\n").length, 2, "one stdout line");
    await Deno.remove(registry, { recursive: true });
  },
});
