import assert from "node:assert/strict";
import { InventoryError, UsageError } from "../../core/errors.ts";
import { ConsoleServer } from "../../server/console_server.ts";
import { captureIo } from "../../tests/cli_io.ts";
import { fixturePath } from "../../tests/fixtures.ts";
import { splitGlobalFlags } from "../global_flags.ts";
import { GPU_PUBLISH_HELP, parseGpuPublishArgs, runGpuPublish } from "./gpu_publish.ts";

const TOKEN = "gpu-publish-test";
const RECORDED =
  "published bytes=1723 sha256=ffd656d9cf57b2a6f473d9b698e269f493187f65441bd64e1042bafb31fdb9d5 " +
  "gpus=GPU-0,GPU-1 models=demo-model active=demo-model";

async function withRegistry(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "cohesix-cli-publish-" });
  try {
    await Deno.mkdir(`${root}/available/demo-model`, { recursive: true });
    await Deno.copyFile(
      fixturePath("live2/bridge_publish_mock.manifest.toml"),
      `${root}/available/demo-model/manifest.toml`,
    );
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function contextFor(port: number, json = false) {
  const io = captureIo();
  const flags = ["--port", String(port), "--auth-token", TOKEN, ...(json ? ["--json"] : [])];
  return { io, ctx: { globals: splitGlobalFlags(flags).globals, io } };
}

Deno.test("gpu publish --help warns that a publish replaces /gpu", async () => {
  const io = captureIo();
  const code = await runGpuPublish(["--help"], { globals: splitGlobalFlags([]).globals, io });
  assert.equal(code, 0);
  assert.equal(io.stdout(), GPU_PUBLISH_HELP);
  assert.match(io.stdout(), /REPLACES the Queen's whole \/gpu snapshot/);
  assert.match(io.stdout(), /--interval-ms N/);
});

Deno.test("gpu publish: bad command lines are usage errors", () => {
  for (
    const argv of [
      [],
      ["--registry"],
      ["--registry", "r", "--mock-inventory", "--nvidia-smi"],
      ["--registry", "r", "--interval-ms", "0"],
      ["--registry", "r", "--interval-ms", "soon"],
      ["--registry", "r", "--mock-inventory=yes"],
      ["--registry", "r", "extra"],
    ]
  ) {
    assert.throws(() => parseGpuPublishArgs(argv), UsageError, argv.join(" "));
  }
  assert.deepEqual(parseGpuPublishArgs(["--registry=r"]).inventory, { kind: "nvidia-smi" });
});

Deno.test("gpu publish over TCP: the recorded bytes, confirmed by the Queen", async () => {
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
  await withRegistry(async (registry) => {
    const { io, ctx } = contextFor(server.port);
    assert.equal(await runGpuPublish(["--registry", registry, "--mock-inventory"], ctx), 0);
    assert.equal(io.stdout(), `${RECORDED}\n`);
    assert.equal(io.stderr(), "");
    assert.deepEqual(server.namespace.cat("/gpu/bridge/status").lines, [
      "state=ok bytes=1723 sha256=ffd656d9cf57b2a6f473d9b698e269f493187f65441bd64e1042bafb31fdb9d5",
    ]);

    const json = contextFor(server.port, true);
    const listed = `${registry}/list.json`;
    await Deno.copyFile(fixturePath("live2/bridge_publish_mock.list.json"), listed);
    assert.equal(await runGpuPublish(["--registry", registry, "--inventory", listed], json.ctx), 0);
    const printed = JSON.parse(json.io.stdout());
    assert.equal(
      printed.sha256,
      "ffd656d9cf57b2a6f473d9b698e269f493187f65441bd64e1042bafb31fdb9d5",
    );
    assert.equal(printed.catalog, "registry");
  });
});

Deno.test("gpu publish --interval-ms: one line per round until Ctrl-C", async () => {
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
  await withRegistry(async (registry) => {
    const { io, ctx } = contextFor(server.port);
    const run = runGpuPublish(
      ["--registry", registry, "--mock-inventory", "--interval-ms", "5"],
      ctx,
    );
    while (io.stdout().split("\n").length < 4) await new Promise((r) => setTimeout(r, 5));
    io.interrupt();
    assert.equal(await run, 0);
    const lines = io.stdout().trimEnd().split("\n");
    assert.ok(lines.length >= 3);
    lines.forEach((line, i) => assert.equal(line, `round=${i + 1} ${RECORDED}`));
  });
});

Deno.test("gpu publish --nvidia-smi: the host's GPUs; without nvidia-smi a clear error", async () => {
  await using server = await ConsoleServer.start({ port: 0, token: TOKEN, seed: "queen" });
  await withRegistry(async (registry) => {
    const bin = await Deno.makeTempDir({ prefix: "cohesix-cli-smi-" });
    const path = Deno.env.get("PATH") ?? "";
    try {
      await Deno.writeTextFile(
        `${bin}/nvidia-smi`,
        '#!/bin/sh\nif [ "$#" = 0 ]; then echo "CUDA Version: 12.2"; exit 0; fi\n' +
          "printf '0, NVIDIA L4, 23034, 535.104.05\\n'\n",
        { mode: 0o755 },
      );
      Deno.env.set("PATH", `${bin}:${path}`);
      const { io, ctx } = contextFor(server.port);
      assert.equal(await runGpuPublish(["--registry", registry, "--nvidia-smi"], ctx), 0);
      assert.match(io.stdout(), /^published bytes=\d+ sha256=[0-9a-f]{64} gpus=GPU-0 /);
      assert.deepEqual(server.namespace.ls("/gpu"), ["bridge", "models", "telemetry", "GPU-0"]);
      assert.match(server.namespace.cat("/gpu/GPU-0/info").lines.join("\n"), /"NVIDIA L4"/);

      Deno.env.set("PATH", bin.replace(/\/[^/]+$/, "/cohesix-no-such-dir"));
      const missing = contextFor(server.port);
      const error = await runGpuPublish(["--registry", registry], missing.ctx)
        .then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof InventoryError, String(error));
      assert.match(error.message, /--mock-inventory/);
      assert.match(error.message, /--inventory FILE/);
    } finally {
      Deno.env.set("PATH", path);
      await Deno.remove(bin, { recursive: true });
    }
  });
});
