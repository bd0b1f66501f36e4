import assert from "node:assert/strict";
import type { Backend, CallOptions } from "../../backends/backend.ts";
import { FilesystemBackend } from "../../backends/filesystem.ts";
import { MockBackend } from "../../backends/mock.ts";
import { DEFAULTS } from "../../core/defaults.ts";
import { ConnectionError } from "../../core/errors.ts";
import { HIVE_BUDGETS } from "./hive_budgets.ts";
import { type PolledState, StatePoller } from "./state_poller.ts";

function poller(backend: Backend) {
  return new StatePoller({
    backend,
    defaults: DEFAULTS,
    budgets: HIVE_BUDGETS,
    pollMs: 1000,
    target: "test",
    registryRoot: "out/no-such-registry",
    onState: () => {},
  });
}

/** A mock Queen whose console can be made to fail like a dropped connection. */
class FlakyBackend implements Backend {
  readonly kind = "flaky";
  readonly inner = new MockBackend({ seed: "demo" });
  down = false;
  calls = 0;
  #check() {
    this.calls++;
    if (this.down) throw new ConnectionError("connection reset by the Queen");
  }
  listDir(path: string, options?: CallOptions) {
    this.#check();
    return this.inner.listDir(path, options);
  }
  readFile(path: string, maxBytes: number, options?: CallOptions) {
    this.#check();
    return this.inner.readFile(path, maxBytes, options);
  }
  writeAppend(path: string, payload: Uint8Array, options?: CallOptions) {
    this.#check();
    return this.inner.writeAppend(path, payload, options);
  }
  close() {
    return this.inner.close();
  }
  [Symbol.asyncDispose]() {
    return this.close();
  }
}

function value<T>(section: { ok: true; value: T } | { ok: false } | null): T {
  assert.ok(section?.ok, JSON.stringify(section));
  return section.value;
}

Deno.test("workers: a lease line marks a GPU worker; a killed worker's lease is shown as gone", async () => {
  await using backend = new MockBackend({ seed: "demo" });
  const ns = backend.namespace;
  ns.spawn('{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":1024,"streams":2,"ttl_s":30}}');
  ns.spawn('{"spawn":"heartbeat","ticks":1}');
  let state: PolledState = await poller(backend).pollOnce();
  assert.deepEqual(
    value(state.workers).map((w) => [w.id, w.role, w.gpuId]),
    [["worker-1", "gpu", "GPU-1"], ["worker-2", "heartbeat", null]],
  );
  const gpu1 = value(state.gpus).find((gpu) => gpu.id === "GPU-1")!;
  assert.deepEqual(gpu1.lease, {
    state: "ACTIVE",
    workerId: "worker-1",
    memMb: 1024,
    streams: 2,
    ttlS: 30,
    priority: 0,
    workerAlive: true,
  });
  ns.killWorker("worker-1");
  state = await poller(backend).pollOnce();
  assert.equal(value(state.gpus).find((gpu) => gpu.id === "GPU-1")!.lease!.workerAlive, false);
  assert.deepEqual(value(state.workers).map((w) => w.id), ["worker-2"]);
});

Deno.test("the log view leaves out the console read audits and counts them", async () => {
  await using backend = new MockBackend({ seed: "demo" });
  backend.namespace.appendLog("[INFO audit] console: cat /proc/boot");
  backend.namespace.appendLog("[INFO audit] console: echo /queen/ctl bytes=19");
  backend.namespace.appendLog("[INFO audit] console: tail /log/queen.log");
  const state = await poller(backend).pollOnce();
  assert.deepEqual(value(state.log), ["[INFO audit] console: echo /queen/ctl bytes=19"]);
  assert.equal(state.logHiddenReads, 2);
});

Deno.test("a bad or refused part shows its error; the rest still shows", async () => {
  await using backend = new MockBackend({ seed: "queen" });
  backend.namespace.put("/gpu/GPU-1/info", "{not json");
  const state = await poller(backend).pollOnce();
  assert.equal(value(state.node).lifecycle, "ONLINE");
  assert.equal(state.models!.queenAvailable, null, "no models published on the live tree");
  const [gpu0, gpu1] = value(state.gpus);
  assert.equal(value(gpu0!.info).name, "Mock 4090");
  assert.equal(gpu1!.info.ok, false);
  assert.match(!gpu1!.info.ok ? gpu1!.info.error.message : "", /invalid gpu info JSON/);
  assert.equal(state.pollError, null);
  assert.deepEqual(value(state.models!.registry).available, []);
});

Deno.test("a transport failure ends the poll at once and keeps the last values", async () => {
  await using backend = new FlakyBackend();
  const reader = poller(backend);
  const good = await reader.pollOnce();
  assert.equal(value(good.gpus).length, 2);
  backend.down = true;
  backend.calls = 0;
  const bad = await reader.pollOnce();
  assert.equal(backend.calls, 1, "one failed read, not one per section");
  assert.deepEqual(bad.pollError, { message: "connection reset by the Queen", hint: null });
  assert.deepEqual(bad.gpus, good.gpus);
  assert.equal(bad.seq, good.seq + 1);
  backend.down = false;
  const again = await reader.pollOnce();
  assert.equal(again.pollError, null);
});

Deno.test("a mounted namespace: missing optional files are skipped, a missing folder is its section's error", async () => {
  const root = await Deno.makeTempDir({ prefix: "cohesix-ui-mount-" });
  try {
    const put = async (path: string, text: string) => {
      await Deno.mkdir(`${root}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${root}${path}`, text);
    };
    await put("/proc/lifecycle/state", "state=DRAINING\n");
    await put("/proc/root/reachable", "reachable=no\n");
    await put("/proc/root/cut_reason", "cut_reason=network_unreachable\n");
    await put("/worker/worker-7/telemetry", "one\ntwo\n");
    await put("/log/queen.log", "hello\n");
    await Deno.mkdir(`${root}/gpu`);
    await using backend = await FilesystemBackend.open(root);
    const state = await poller(backend).pollOnce();
    assert.equal(state.pollError, null);
    const node = value(state.node);
    assert.deepEqual([node.lifecycle, node.rootReachable, node.cutReason], [
      "DRAINING",
      false,
      "network_unreachable",
    ]);
    assert.deepEqual(value(state.workers).map((w) => [w.id, w.telemetry]), [[
      "worker-7",
      ["one", "two"],
    ]]);
    assert.deepEqual(value(state.log), ["hello"]);
    assert.equal(state.telemetry?.ok, false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
