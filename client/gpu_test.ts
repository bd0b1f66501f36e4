import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import { CommandError, OperationError, ValidationError } from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { gpuList, gpuStatus, parseGpuInfo } from "./gpu.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

function liveInfo(id: string, name: string, mem: number, sm: number): string {
  return [
    "{",
    `    "id": "${id}",`,
    `    "name": "${name}",`,
    `    "memory_mb": ${mem},`,
    `    "sm_count": ${sm},`,
    `    "driver_version": "555.0",`,
    `    "runtime_version": "12.4"`,
    "}",
  ].join("\n");
}

function liveGpus(order: string[]): FakeBackend {
  const backend = new FakeBackend();
  backend.dirs.set("/gpu", order);
  backend.put("/gpu/GPU-0/info", liveInfo("GPU-0", "Mock 4090", 24576, 144));
  backend.put("/gpu/GPU-1/info", liveInfo("GPU-1", "Mock 4060", 8192, 64));
  return backend;
}

Deno.test("gpuList skips bridge/models/telemetry, keeps LS order, prints coh's lines", async () => {
  const backend = liveGpus(["bridge", "GPU-1", "models", "GPU-0", "telemetry"]);
  const audit = new CohesixAudit();
  const gpus = await gpuList(backend, DEFAULTS, { audit });
  assert.deepEqual(gpus.map((g) => g.id), ["GPU-1", "GPU-0"]);
  assert.deepEqual(gpus[1], {
    id: "GPU-0",
    name: "Mock 4090",
    memoryMb: 24576,
    smCount: 144,
    driverVersion: "555.0",
    runtimeVersion: "12.4",
  });
  assert.deepEqual(backend.calls, ["LS /gpu", "CAT /gpu/GPU-1/info", "CAT /gpu/GPU-0/info"]);
  assert.deepEqual(audit.lines, [
    "OK LS path=/gpu",
    "OK CAT path=/gpu/GPU-1/info",
    "gpu id=GPU-1 name=Mock 4060 mem_mb=8192 sm=64 driver=555.0 runtime=12.4",
    "OK CAT path=/gpu/GPU-0/info",
    "gpu id=GPU-0 name=Mock 4090 mem_mb=24576 sm=144 driver=555.0 runtime=12.4",
  ]);
});

Deno.test("gpuList with no GPUs says gpu: none", async () => {
  const backend = liveGpus(["bridge"]);
  const audit = new CohesixAudit();
  assert.deepEqual(await gpuList(backend, DEFAULTS, { audit }), []);
  assert.deepEqual(audit.lines, ["OK LS path=/gpu", "gpu: none"]);
});

Deno.test("gpuList without an audit produces no lines and still parses", async () => {
  const backend = liveGpus(["GPU-0"]);
  const gpus = await gpuList(backend, DEFAULTS);
  assert.equal(gpus.length, 1);
});

Deno.test("gpu info is parsed strictly", () => {
  const good = JSON.parse(liveInfo("GPU-0", "x", 1, 2));
  assert.equal(parseGpuInfo(JSON.stringify(good), "/p").smCount, 2);
  const bad = [
    "nope",
    "[]",
    JSON.stringify({ ...good, extra: 1 }),
    JSON.stringify({ ...good, sm_count: undefined }),
    JSON.stringify({ ...good, memory_mb: -1 }),
    JSON.stringify({ ...good, memory_mb: 2 ** 32 }),
    JSON.stringify({ ...good, name: 5 }),
  ];
  for (const text of bad) {
    assert.throws(
      () => parseGpuInfo(text, "/gpu/GPU-0/info"),
      (e: unknown) =>
        e instanceof OperationError &&
        e.message.startsWith("invalid gpu info JSON in /gpu/GPU-0/info"),
      text,
    );
  }
});

Deno.test("a missing info file surfaces the backend's CAT error", async () => {
  const backend = liveGpus(["GPU-0", "GPU-9"]);
  await assert.rejects(gpuList(backend, DEFAULTS), CommandError);
});

Deno.test("gpuStatus returns the last non-empty line or EMPTY, with coh's human line", async () => {
  const backend = new FakeBackend();
  backend.put("/gpu/GPU-0/status", "");
  backend.put("/gpu/GPU-1/status", "first\n  second  \n\n");
  const audit = new CohesixAudit();
  assert.equal(await gpuStatus(backend, DEFAULTS, " GPU-0 ", { audit }), "EMPTY");
  assert.equal(await gpuStatus(backend, DEFAULTS, "GPU-1", { audit }), "second");
  assert.deepEqual(audit.lines, [
    "OK CAT path=/gpu/GPU-0/status",
    "gpu id=GPU-0 status=EMPTY",
    "OK CAT path=/gpu/GPU-1/status",
    "gpu id=GPU-1 status=second",
  ]);
  await assert.rejects(gpuStatus(backend, DEFAULTS, "  "), ValidationError);
  await assert.rejects(gpuStatus(backend, DEFAULTS, "../x"), ValidationError);
  assert.equal(backend.calls.length, 2);
});
