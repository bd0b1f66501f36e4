import { strict as assert } from "node:assert";
import {
  COH_POLICY_SHA256,
  type CohesixDefaults,
  COHSH_POLICY_SHA256,
  DEFAULTS,
  MANIFEST_SHA256,
} from "./defaults.ts";

/** Every object and array reachable from `value`, with its path. */
function* nodes(value: unknown, path = "DEFAULTS"): Generator<[string, object]> {
  if (value === null || typeof value !== "object") return;
  yield [path, value];
  for (const [key, inner] of Object.entries(value)) yield* nodes(inner, `${path}.${key}`);
}

Deno.test("DEFAULTS is frozen all the way down", () => {
  let count = 0;
  for (const [path, node] of nodes(DEFAULTS)) {
    assert.ok(Object.isFrozen(node), `${path} is not frozen`);
    count++;
  }
  assert.ok(count > 15, `only ${count} objects visited`);
  const mutable = DEFAULTS as unknown as {
    console: { maxEchoLen: number };
    coh: { mount: { allowlist: string[] } };
  };
  assert.throws(() => {
    mutable.console.maxEchoLen = 1;
  }, TypeError);
  assert.throws(() => mutable.coh.mount.allowlist.push("/etc"), TypeError);
  assert.equal(DEFAULTS.console.maxEchoLen, 128);
  assert.equal(DEFAULTS.coh.mount.allowlist.length, 6);
});

Deno.test("pinned hashes are the release's (OPERATIONS.md §2.2, §2.3)", () => {
  assert.equal(MANIFEST_SHA256, "3a20adc55c8f975e20e8ef031422f8a09b4a7b8e524dd052bf69296ddf7ff1af");
  assert.equal(
    COH_POLICY_SHA256,
    "73da6cb6898868e55463f995498c8c2fc349a55b7cdd937795171c4f06c517bb",
  );
  assert.equal(
    COHSH_POLICY_SHA256,
    "96262c617e5a15321d58f069f17664dfbe02ffa9e6e4df7a38169c21b4e37ee8",
  );
  assert.equal(DEFAULTS.manifestSha256, MANIFEST_SHA256);
  assert.equal(DEFAULTS.cohPolicySha256, COH_POLICY_SHA256);
});

// OPERATIONS.md §2.1, row by row: [bound name as in the table, value in DEFAULTS, table value].
function table(d: CohesixDefaults): Array<[string, unknown, unknown]> {
  return [
    ["secure9p.msize", d.secure9p.msize, 8192],
    ["secure9p.walk_depth", d.secure9p.walkDepth, 8],
    ["console.max_line_len", d.console.maxLineLen, 256],
    ["console.max_path_len", d.console.maxPathLen, 96],
    ["console.max_json_len", d.console.maxJsonLen, 192],
    ["console.max_id_len", d.console.maxIdLen, 32],
    ["console.max_echo_len", d.console.maxEchoLen, 128],
    ["console.max_ticket_len", d.console.maxTicketLen, 224],
    ["console.max_role_len (PROTOCOL.md §2.3)", d.console.maxRoleLen, 16],
    ["ticket_limits.max_scopes", d.ticketLimits.maxScopes, 8],
    ["ticket_limits.max_scope_path_len", d.ticketLimits.maxScopePathLen, 128],
    ["ticket_limits.max_scope_rate_per_s", d.ticketLimits.maxScopeRatePerS, 64],
    ["ticket_limits.bandwidth_bytes", d.ticketLimits.bandwidthBytes, 131072],
    ["ticket_limits.cursor_resumes", d.ticketLimits.cursorResumes, 16],
    ["ticket_limits.cursor_advances", d.ticketLimits.cursorAdvances, 256],
    ["paths.queen_ctl", d.paths.queenCtl, "/queen/ctl"],
    ["paths.queen_lifecycle_ctl", d.paths.queenLifecycleCtl, "/queen/lifecycle/ctl"],
    ["paths.log", d.paths.log, "/log/queen.log"],
    ["telemetry_ingest.max_segments_per_device", d.telemetryIngest.maxSegmentsPerDevice, 4],
    ["telemetry_ingest.max_bytes_per_segment", d.telemetryIngest.maxBytesPerSegment, 32768],
    [
      "telemetry_ingest.max_total_bytes_per_device",
      d.telemetryIngest.maxTotalBytesPerDevice,
      131072,
    ],
    ["telemetry_ingest.eviction_policy", d.telemetryIngest.evictionPolicy, "evict-oldest"],
    ["telemetry_push.schema", d.telemetryPush.schema, "cohsh-telemetry-push/v1"],
    ["telemetry_push.max_record_bytes", d.telemetryPush.maxRecordBytes, 4096],
    ["coh.mount.root", d.coh.mount.root, "/"],
    ["coh.mount.allowlist", d.coh.mount.allowlist, [
      "/proc",
      "/queen",
      "/worker",
      "/log",
      "/gpu",
      "/host",
    ]],
    ["coh.telemetry.root", d.coh.telemetry.root, "/queen/telemetry"],
    ["coh.telemetry.max_devices", d.coh.telemetry.maxDevices, 32],
    ["coh.telemetry.max_segments_per_device", d.coh.telemetry.maxSegmentsPerDevice, 4],
    ["coh.telemetry.max_bytes_per_segment", d.coh.telemetry.maxBytesPerSegment, 32768],
    ["coh.telemetry.max_total_bytes_per_device", d.coh.telemetry.maxTotalBytesPerDevice, 131072],
    ["coh.run.lease.schema", d.coh.run.lease.schema, "gpu-lease/v1"],
    ["coh.run.lease.active_state", d.coh.run.lease.activeState, "ACTIVE"],
    ["coh.run.lease.max_bytes", d.coh.run.lease.maxBytes, 1024],
    ["coh.run.breadcrumb.schema", d.coh.run.breadcrumb.schema, "gpu-breadcrumb/v1"],
    ["coh.run.breadcrumb.max_line_bytes", d.coh.run.breadcrumb.maxLineBytes, 512],
    ["coh.run.breadcrumb.max_command_bytes", d.coh.run.breadcrumb.maxCommandBytes, 256],
    ["coh.peft.export.root", d.coh.peft.export.root, "/queen/export/lora_jobs"],
    ["coh.peft.export.max_telemetry_bytes", d.coh.peft.export.maxTelemetryBytes, 131072],
    ["coh.peft.export.max_policy_bytes", d.coh.peft.export.maxPolicyBytes, 8192],
    ["coh.peft.export.max_base_model_bytes", d.coh.peft.export.maxBaseModelBytes, 1024],
    ["coh.peft.import.registry_root", d.coh.peft.import.registryRoot, "out/model_registry"],
    ["coh.peft.import.max_adapter_bytes", d.coh.peft.import.maxAdapterBytes, 67108864],
    ["coh.peft.import.max_lora_bytes", d.coh.peft.import.maxLoraBytes, 65536],
    ["coh.peft.import.max_metrics_bytes", d.coh.peft.import.maxMetricsBytes, 65536],
    ["coh.peft.import.max_manifest_bytes", d.coh.peft.import.maxManifestBytes, 8192],
    ["coh.peft.activate.max_model_id_bytes", d.coh.peft.activate.maxModelIdBytes, 128],
    ["coh.peft.activate.max_state_bytes", d.coh.peft.activate.maxStateBytes, 4096],
    ["retry.max_attempts", d.retry.maxAttempts, 3],
    ["retry.backoff_ms", d.retry.backoffMs, 200],
    ["retry.ceiling_ms", d.retry.ceilingMs, 2000],
    ["retry.timeout_ms", d.retry.timeoutMs, 5000],
    ["heartbeat.interval_ms", d.heartbeatIntervalMs, 15000],
    ["MAX_DIR_LIST_BYTES", d.readCaps.maxDirListBytes, 65536],
    ["MAX_GPU_INFO_BYTES", d.readCaps.maxGpuInfoBytes, 16384],
    ["MAX_GPU_STATUS_BYTES", d.readCaps.maxGpuStatusBytes, 65536],
    ["examples.gpu_id", d.examples.gpuId, "GPU-0"],
    ["examples.mig_gpu_id", d.examples.migGpuId, "MIG-0"],
    ["examples.job_id", d.examples.jobId, "job_8932"],
    ["examples.model_id", d.examples.modelId, "llama3-edge-v7"],
    ["examples.device_id", d.examples.deviceId, "device-1"],
    ["examples.output_root", d.examples.outputRoot, "out/examples"],
  ];
}

Deno.test("DEFAULTS matches the OPERATIONS.md §2.1 table", () => {
  for (const [name, actual, expected] of table(DEFAULTS)) {
    assert.deepEqual(actual, expected, name);
  }
});

Deno.test("the defaults satisfy the coh policy's cross-field rules", () => {
  const { coh, retry } = DEFAULTS;
  assert.ok(coh.run.breadcrumb.maxCommandBytes <= coh.run.breadcrumb.maxLineBytes);
  assert.ok(coh.peft.export.maxTelemetryBytes <= coh.telemetry.maxTotalBytesPerDevice);
  assert.ok(retry.ceilingMs >= retry.backoffMs);
  assert.ok(DEFAULTS.console.maxPathLen <= DEFAULTS.console.maxLineLen);
  assert.ok(DEFAULTS.console.maxEchoLen <= DEFAULTS.console.maxLineLen);
});
