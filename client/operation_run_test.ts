import assert from "node:assert/strict";
import { DEFAULTS } from "../core/defaults.ts";
import {
  AbortedError,
  CohesixTimeoutError,
  OperationDeadlineError,
  ValidationError,
} from "../core/errors.ts";
import { CohesixAudit } from "./audit.ts";
import { gpuList } from "./gpu.ts";
import { OperationRun } from "./operation_run.ts";
import { peftImport } from "./peft_import.ts";
import { runCommand } from "./run.ts";
import { FakeBackend } from "../tests/fake_backend.ts";
import { MockBackend } from "../backends/mock.ts";
import { CohesixClient } from "./client.ts";

const LEASE =
  '{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}';

Deno.test("a deadline already passed stops before the first request, naming it", async () => {
  const backend = new FakeBackend();
  backend.dirs.set("/gpu", ["GPU-0"]);
  const error = await gpuList(backend, DEFAULTS, { deadlineMs: 0 }).catch((e) => e);
  assert.ok(error instanceof OperationDeadlineError);
  assert.ok(error instanceof CohesixTimeoutError);
  assert.equal(
    error.summary,
    "gpu list: deadline of 0 s passed while listing /gpu (0 requests done)",
  );
  assert.deepEqual(error.progress, {
    operation: "gpu list",
    deadlineMs: 0,
    activity: "listing /gpu",
    requestsDone: 0,
  });
  assert.deepEqual(backend.calls, []);
});

Deno.test("a request in flight when the deadline passes ends with the deadline error", async () => {
  using run = new OperationRun("telemetry pull", { deadlineMs: 30 });
  run.plan(161);
  await run.request("reading /a", () => Promise.resolve(1));
  // A request that only ends when the operation's signal fires (as every backend does).
  const error = await run.request(
    "reading /queen/telemetry/x/seg/seg-000003",
    (call) =>
      new Promise((_, reject) => {
        call.signal!.addEventListener("abort", () => reject(new AbortedError("aborted")));
      }),
  ).catch((e) => e);
  assert.ok(error instanceof OperationDeadlineError);
  assert.equal(
    error.summary,
    "telemetry pull: deadline of 0.03 s passed while reading " +
      "/queen/telemetry/x/seg/seg-000003 (1 of 161 requests done)",
  );
  assert.ok(error.cause instanceof AbortedError);
  assert.match(error.message, /hint: raise the deadline/);
});

Deno.test("the caller's signal still aborts, as an AbortedError naming the step", async () => {
  const controller = new AbortController();
  controller.abort();
  using run = new OperationRun("peft import", { signal: controller.signal, deadlineMs: 60_000 });
  await assert.rejects(
    run.step("copying a", () => Promise.resolve()),
    (e: unknown) =>
      e instanceof AbortedError && e.message === "peft import was aborted while copying a",
  );
});

Deno.test("without a deadline, the caller's timeout and signal are what the backend gets", () => {
  const controller = new AbortController();
  using run = new OperationRun("x", { signal: controller.signal, timeoutMs: 7 });
  assert.equal(run.callOptions.signal, controller.signal);
  assert.equal(run.callOptions.timeoutMs, 7);
  using bare = new OperationRun("x");
  assert.deepEqual(bare.callOptions, {});
});

Deno.test("a deadline that is not a non-negative number is refused", () => {
  for (const deadlineMs of [-1, NaN, Infinity]) {
    assert.throws(() => new OperationRun("gpu list", { deadlineMs }), ValidationError);
  }
});

Deno.test("the deadline kills a command under run, and the EXIT breadcrumb is still written", async () => {
  const backend = new FakeBackend();
  backend.put("/gpu/GPU-0/lease", `${LEASE}\n`);
  const audit = new CohesixAudit();
  const error = await runCommand(backend, DEFAULTS, "GPU-0", ["sleep", "30"], {
    audit,
    deadlineMs: 300,
  }).catch((e) => e);
  assert.ok(error instanceof OperationDeadlineError, String(error));
  assert.equal(
    error.summary,
    "run: deadline of 0.3 s passed while running sleep (2 of 3 requests done)",
  );
  assert.match(backend.calls.at(-1)!, /"event":"EXIT","command":"sleep 30","status":"ERR"/);
});

Deno.test("an import past its deadline stops before writing and leaves no files", async () => {
  const root = await Deno.makeTempDir({ prefix: "cohesix-deadline-import-" });
  try {
    const adapterDir = `${root}/adapter`;
    const jobDir = `${root}/export/job_1`;
    await Deno.mkdir(adapterDir, { recursive: true });
    await Deno.mkdir(jobDir, { recursive: true });
    await Deno.writeTextFile(`${adapterDir}/adapter.safetensors`, "weights");
    await Deno.writeTextFile(`${adapterDir}/lora.json`, "{}");
    await Deno.writeTextFile(`${jobDir}/base_model.ref`, "base\n");
    await Deno.writeTextFile(`${jobDir}/policy.toml`, "p = 1\n");
    await Deno.writeTextFile(`${jobDir}/telemetry.cbor`, "t");
    const args = {
      modelId: "m1",
      adapterDir,
      exportRoot: `${root}/export`,
      jobId: "job_1",
      registryRoot: `${root}/registry`,
    };
    const error = await peftImport(DEFAULTS, args, { deadlineMs: 0 }).catch((e) => e);
    assert.ok(error instanceof OperationDeadlineError, String(error));
    assert.match(
      error.summary,
      /^peft import: deadline of 0 s passed while copying .*adapter\.safetensors/,
    );
    assert.equal(
      await Deno.stat(`${root}/registry/available/m1`).catch(() => undefined),
      undefined,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("every client operation honours deadlineMs and names itself", async () => {
  await using backend = new MockBackend();
  const client = new CohesixClient(backend);
  const dir = await Deno.makeTempDir({ prefix: "cohesix-deadline-all-" });
  try {
    const registry = `${dir}/registry`;
    for (const model of ["a", "b"]) {
      await Deno.mkdir(`${registry}/available/${model}`, { recursive: true });
      await Deno.writeTextFile(`${registry}/available/${model}/manifest.toml`, "");
    }
    await client.peftActivate("a", registry);
    await client.peftActivate("b", registry); // so that a rollback has somewhere to go
    const late = { deadlineMs: 0 };
    const calls: [string, () => Promise<unknown>][] = [
      ["gpu list", () => client.gpuList(late)],
      ["gpu status", () => client.gpuStatus("GPU-0", late)],
      ["gpu lease", () => client.gpuLease({ gpuId: "GPU-0", memMb: 1, streams: 1, ttlS: 1 }, late)],
      ["run", () => client.runCommand("GPU-0", ["true"], late)],
      ["queen kill", () => client.queenKill("worker-1", late)],
      ["telemetry push", () => client.telemetryPush("dev", "x", late)],
      ["telemetry pull", () => client.telemetryPull(`${dir}/pull`, late)],
      ["peft export", () => client.peftExport("job_8932", `${dir}/export`, late)],
      ["peft activate", () => client.peftActivate("a", registry, late)],
      ["peft rollback", () => client.peftRollback(registry, late)],
      ["gpu publish", () => client.gpuPublish({}, late)],
    ];
    for (const [name, call] of calls) {
      const error = await call().catch((e) => e);
      assert.ok(error instanceof OperationDeadlineError, `${name}: ${error}`);
      assert.equal(error.progress.operation, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
