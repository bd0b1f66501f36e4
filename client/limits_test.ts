/**
 * Every bound the client operations enforce, at its value (accepted) and one past it (refused
 * with a `LimitError` naming the bound and its value). Big bounds are shrunk through an
 * overridden `CohesixDefaults`, which also proves the code reads them from the defaults object.
 * Bounds checked elsewhere at both edges: `console.max_line_len` (wire/command_line_test),
 * `console.max_path_len` and `secure9p.walk_depth` and `coh.peft.activate.max_model_id_bytes`
 * (core/paths_test), `console.max_echo_len` (wire/echo_payload_test), `console.max_ticket_len`
 * (wire/ticket_test), breadcrumbs (breadcrumb_test), `coh.peft.activate.max_state_bytes`
 * (registry_state_test), `coh.peft.import.*` (peft_import_test).
 */

import assert from "node:assert/strict";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { gpuList, gpuStatus } from "./gpu.ts";
import { buildSpawnPayload } from "./lease.ts";
import { peftExport } from "./peft_export.ts";
import { peftImport } from "./peft_import.ts";
import { listDirBounded } from "./remote.ts";
import { runCommand } from "./run.ts";
import { telemetryPull } from "./telemetry_pull.ts";
import { telemetryPush } from "./telemetry_push.ts";
import { FakeBackend } from "../tests/fake_backend.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** DEFAULTS with `edit` applied to a deep copy. */
function withBounds(edit: (d: Mutable<CohesixDefaults>) => void): CohesixDefaults {
  const copy = structuredClone(DEFAULTS) as Mutable<CohesixDefaults>;
  edit(copy);
  return copy;
}

/** Runs `run` at `max` (must pass) and `max - 1` (must fail naming `limit`). */
async function atAndPast(
  limit: string,
  max: number,
  set: (d: Mutable<CohesixDefaults>, value: number) => void,
  run: (defaults: CohesixDefaults) => Promise<unknown>,
): Promise<void> {
  await run(withBounds((d) => set(d, max)));
  await assert.rejects(
    run(withBounds((d) => set(d, max - 1))),
    (e: unknown) => {
      assert.ok(e instanceof LimitError, String(e));
      assert.equal(e.limit, limit);
      assert.equal(e.max, max - 1);
      assert.match(e.message, new RegExp(String(max - 1)));
      return true;
    },
  );
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const INFO = JSON.stringify({
  id: "GPU-0",
  name: "Mock",
  memory_mb: 1,
  sm_count: 1,
  driver_version: "d",
  runtime_version: "r",
});

Deno.test("read_caps.max_dir_list_bytes: the sum of names at the cap passes, one more fails", async () => {
  const backend = new FakeBackend();
  backend.dirs.set("/d", ["abc", "defg"]);
  await atAndPast(
    "read_caps.max_dir_list_bytes",
    7,
    (d, v) => (d.readCaps.maxDirListBytes = v),
    (defaults) => listDirBounded(backend, "/d", defaults),
  );
});

Deno.test("read_caps.max_gpu_info_bytes: gpuList at the cap passes, one more fails", async () => {
  const backend = new FakeBackend();
  backend.dirs.set("/gpu", ["GPU-0"]);
  backend.put("/gpu/GPU-0/info", INFO);
  await atAndPast(
    "read_caps.max_gpu_info_bytes",
    INFO.length,
    (d, v) => (d.readCaps.maxGpuInfoBytes = v),
    (defaults) => gpuList(backend, defaults),
  );
});

Deno.test("read_caps.max_gpu_status_bytes: gpuStatus at the cap passes, one more fails", async () => {
  const backend = new FakeBackend();
  backend.put("/gpu/GPU-0/status", "line-1\nline-2");
  await atAndPast(
    "read_caps.max_gpu_status_bytes",
    13,
    (d, v) => (d.readCaps.maxGpuStatusBytes = v),
    (defaults) => gpuStatus(backend, defaults, "GPU-0"),
  );
});

Deno.test("coh.run.lease.max_bytes: a lease file at the cap runs, one more byte fails", async () => {
  const lease = JSON.stringify({
    schema: "gpu-lease/v1",
    state: "ACTIVE",
    gpu_id: "GPU-0",
    worker_id: "worker-1",
    mem_mb: 1,
    streams: 1,
    ttl_s: 1,
    priority: 0,
  });
  const backend = new FakeBackend();
  backend.put("/gpu/GPU-0/lease", lease);
  await atAndPast(
    "coh.run.lease.max_bytes",
    lease.length,
    (d, v) => (d.coh.run.lease.maxBytes = v),
    (defaults) => runCommand(backend, defaults, "GPU-0", ["true"]),
  );
  assert.equal(backend.calls.filter((call) => call.startsWith("ECHO")).length, 2, "one run only");
});

Deno.test("console.max_json_len: a spawn payload at the cap is built, one more byte is refused", async () => {
  const args = { gpuId: "GPU-0", memMb: 4096, streams: 1, ttlS: 120 };
  const length = buildSpawnPayload(args, DEFAULTS).length - 1; // without its newline
  await atAndPast(
    "console.max_json_len",
    length,
    (d, v) => (d.console.maxJsonLen = v),
    (defaults) => Promise.resolve().then(() => buildSpawnPayload(args, defaults)),
  );
});

/** One device `d` with segments `s1`, `s2` of 3 and 4 bytes. */
function telemetryBackend(): FakeBackend {
  const backend = new FakeBackend();
  backend.dirs.set("/queen/telemetry", ["d", "e"]);
  backend.dirs.set("/queen/telemetry/d/seg", ["s1", "s2"]);
  backend.dirs.set("/queen/telemetry/e/seg", []);
  backend.put("/queen/telemetry/d/seg/s1", "abc");
  backend.put("/queen/telemetry/d/seg/s2", "defg");
  return backend;
}

Deno.test("coh.telemetry.*: each pull bound at its value passes, one past fails", async () => {
  const cases: [string, number, (d: Mutable<CohesixDefaults>, v: number) => void][] = [
    ["coh.telemetry.max_devices", 2, (d, v) => (d.coh.telemetry.maxDevices = v)],
    [
      "coh.telemetry.max_segments_per_device",
      2,
      (d, v) => (d.coh.telemetry.maxSegmentsPerDevice = v),
    ],
    ["coh.telemetry.max_bytes_per_segment", 4, (d, v) => (d.coh.telemetry.maxBytesPerSegment = v)],
    [
      "coh.telemetry.max_total_bytes_per_device",
      7,
      (d, v) => (d.coh.telemetry.maxTotalBytesPerDevice = v),
    ],
  ];
  for (const [limit, max, set] of cases) {
    await withTempDir(async (dir) => {
      let run = 0;
      await atAndPast(
        limit,
        max,
        set,
        (defaults) => telemetryPull(telemetryBackend(), defaults, `${dir}/${run++}`),
      );
    });
  }
});

Deno.test("telemetry_ingest.max_bytes_per_segment: a push totalling the cap passes, one more fails", async () => {
  const backend = new FakeBackend();
  backend.onWrite = (path) => {
    if (path.endsWith("/ctl")) backend.put("/queen/telemetry/dev/latest", "seg-000001");
  };
  const first = await telemetryPush(backend, DEFAULTS, "dev", "hello world");
  await atAndPast(
    "telemetry_ingest.max_bytes_per_segment",
    first.bytes,
    (d, v) => (d.telemetryIngest.maxBytesPerSegment = v),
    (defaults) => telemetryPush(backend, defaults, "dev", "hello world"),
  );
});

Deno.test("coh.peft.export.*: each export file at its cap passes, one byte more fails", async () => {
  const files = {
    "telemetry.cbor": ["coh.peft.export.max_telemetry_bytes", "maxTelemetryBytes", "t".repeat(9)],
    "base_model.ref": ["coh.peft.export.max_base_model_bytes", "maxBaseModelBytes", "base-v1"],
    "policy.toml": ["coh.peft.export.max_policy_bytes", "maxPolicyBytes", "[p]\nx = 1"],
  } as const;
  const root = DEFAULTS.coh.peft.export.root;
  const backend = new FakeBackend();
  backend.dirs.set(root, ["job_1"]);
  backend.dirs.set(`${root}/job_1`, Object.keys(files));
  for (const [name, [, , text]] of Object.entries(files)) {
    backend.put(`${root}/job_1/${name}`, text);
  }
  for (const [limit, key, text] of Object.values(files)) {
    await withTempDir(async (dir) => {
      let run = 0;
      await atAndPast(
        limit,
        text.length,
        (d, v) => (d.coh.peft.export[key] = v),
        (defaults) => peftExport(backend, defaults, "job_1", `${dir}/${run++}`),
      );
    });
  }
});

Deno.test("coh.peft.export.* caps also bound what peft import reads from the export", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/adapter`);
    await Deno.writeTextFile(`${dir}/adapter/adapter.safetensors`, "adapter");
    await Deno.writeTextFile(`${dir}/adapter/lora.json`, "{}");
    await Deno.mkdir(`${dir}/export/job_1`, { recursive: true });
    const files = {
      "telemetry.cbor": ["coh.peft.export.max_telemetry_bytes", "maxTelemetryBytes", "tele"],
      "base_model.ref": ["coh.peft.export.max_base_model_bytes", "maxBaseModelBytes", "base\n"],
      "policy.toml": ["coh.peft.export.max_policy_bytes", "maxPolicyBytes", "[p]\n"],
    } as const;
    for (const [name, [, , text]] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/export/job_1/${name}`, text);
    }
    let run = 0;
    for (const [limit, key, text] of Object.values(files)) {
      await atAndPast(
        limit,
        text.length,
        (d, v) => (d.coh.peft.export[key] = v),
        (defaults) =>
          peftImport(defaults, {
            modelId: `m${run}`,
            adapterDir: `${dir}/adapter`,
            exportRoot: `${dir}/export`,
            jobId: "job_1",
            registryRoot: `${dir}/registry${run++}`,
          }),
      );
    }
  });
});
