/**
 * The two starting states of a {@link NamespaceTree}: `queen`, the live Queen 0.3.0-alpha2 right
 * after boot (PROTOCOL.md §9.1, the live recordings), and `demo`, the content of the upstream
 * Python `MockBackend` (OPERATIONS.md §6.1) laid over that same live tree.
 *
 * @module
 */

import { SELFTEST_SCRIPTS } from "./selftest_scripts.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import type { NamespaceTree } from "./namespace_tree.ts";

/** Counters a seed sets besides the tree. */
export interface SeedCounters {
  /** Last segment number handed out per telemetry device. */
  readonly segmentCounters: Record<string, number>;
}

interface GpuInfo {
  readonly id: string;
  readonly name: string;
  readonly memory_mb: number;
  readonly sm_count: number;
  readonly driver_version: string;
  readonly runtime_version: string;
}

/** The gpu-bridge-host mock inventory the live Queen serves. */
const LIVE_GPUS: readonly GpuInfo[] = [
  {
    id: "GPU-0",
    name: "Mock 4090",
    memory_mb: 24576,
    sm_count: 144,
    driver_version: "555.0",
    runtime_version: "12.4",
  },
  {
    id: "GPU-1",
    name: "Mock 4060",
    memory_mb: 8192,
    sm_count: 64,
    driver_version: "555.0",
    runtime_version: "12.4",
  },
];

/** The Python MockBackend inventory (`backends.py`). */
const DEMO_GPUS: readonly GpuInfo[] = ["GPU-0", "GPU-1"].map((id) => ({
  id,
  name: "MockGPU",
  memory_mb: 8192,
  sm_count: 80,
  driver_version: "mock",
  runtime_version: "mock",
}));

const DEMO_MIG: GpuInfo = {
  id: "MIG-0",
  name: "MockMIG",
  memory_mb: 1024,
  sm_count: 14,
  driver_version: "mock",
  runtime_version: "mock",
};

/** Python `json.dumps` default separators: `{"k": v, "k2": v2}` on one line. */
function pythonJson(info: GpuInfo): string {
  return `{${
    Object.entries(info).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(", ")
  }}`;
}

/** The Queen's pretty-printed info: 4-space indent, no final newline. */
function prettyJson(info: GpuInfo): string {
  return JSON.stringify(info, null, 4);
}

// Placeholder selftest scripts: the live text is cohsh script source that is not recorded here.

function bootText(defaults: CohesixDefaults): string {
  return [
    "Cohesix boot: root-task online",
    "manifest.schema=1.5",
    "manifest.profile=virt-aarch64",
    `manifest.sha256=${defaults.manifestSha256}`,
    "telemetry.ring_bytes_per_worker=1024",
    "telemetry.frame_schema=legacy-plaintext",
    "telemetry.cursor.retain_on_boot=false",
    "event_pump.fds=serial,timer,ipc,net-console,ninedoor",
    "",
  ].join("\n");
}

/** Seeds the live tree shared by both seeds; `gpus` decides the GPU nodes and their info text. */
function seedLiveTree(
  tree: NamespaceTree,
  gpus: readonly GpuInfo[],
  infoText: (info: GpuInfo) => string,
  defaults: CohesixDefaults,
): void {
  // Root order exactly as the live `LS /` (session_basics.jsonl).
  tree.mkdir(["gpu"]);
  tree.mkdir(["kmesg"], { listable: false });
  tree.mkdir(["log"]);
  tree.mkdir(["proc"]);
  tree.mkdir(["queen"]);
  tree.mkdir(["trace"]);
  tree.mkdir(["updates"]);
  tree.mkdir(["shard"]);
  tree.mkdir(["worker"]);
  tree.mkdir(["host"]);

  tree.put(["gpu", "bridge", "ctl"], "");
  tree.put(["gpu", "bridge", "status"], "state=idle\n");
  for (const gpu of gpus) seedGpu(tree, gpu, infoText);

  tree.put(["log", "queen.log"], "");

  tree.put(["proc", "boot"], bootText(defaults));
  for (const [name, text] of Object.entries(SELFTEST_SCRIPTS)) {
    tree.put(["proc", "tests", name], text);
  }
  for (const name of ["state", "reason", "since"]) tree.put(["proc", "lifecycle", name], "");
  tree.put(["proc", "9p", "session", "active"], "active=1 draining=0\n");
  for (const name of ["p50_ms", "p95_ms", "backpressure", "dropped", "queued"]) {
    tree.put(["proc", "ingest", name], `${name}=0\n`);
  }
  tree.put(["proc", "ingest", "watch"], "");
  for (const name of ["reachable", "last_seen_ms", "cut_reason"]) {
    tree.put(["proc", "root", name], "");
  }
  for (const name of ["busy", "quota", "cut", "policy"]) tree.put(["proc", "pressure", name], "");

  tree.put(["queen", "ctl"], "");
  tree.put(["queen", "lifecycle", "ctl"], "");
  tree.mkdir(["queen", "telemetry"]);

  tree.put(["trace", "ctl"], "");
  tree.put(["trace", "events"], "");

  for (const unit of ["cohesix-agent.service", "ssh.service"]) {
    tree.put(["host", "systemd", unit, "status"], "active");
    tree.put(["host", "systemd", unit, "restart"], "");
  }
  tree.put(["host", "k8s", "node", "node-1", "status"], "unknown");
  tree.put(["host", "k8s", "node", "node-1", "cordon"], "");
  tree.put(["host", "k8s", "node", "node-1", "drain"], "");
  tree.put(["host", "docker", "status"], "unknown");
  for (const name of ["status", "power_cap", "thermal"]) {
    tree.put(["host", "nvidia", "gpu", "0", name], "unknown");
  }
}

function seedGpu(tree: NamespaceTree, gpu: GpuInfo, infoText: (info: GpuInfo) => string): void {
  tree.put(["gpu", gpu.id, "info"], infoText(gpu));
  tree.put(["gpu", gpu.id, "ctl"], `LEASE ${gpu.id}\n`);
  tree.put(["gpu", gpu.id, "lease"], "");
  tree.put(["gpu", gpu.id, "status"], "");
}

/** Seeds the live Queen 0.3.0-alpha2 tree as it is right after boot. */
export function seedQueen(tree: NamespaceTree, defaults: CohesixDefaults = DEFAULTS): SeedCounters {
  seedLiveTree(tree, LIVE_GPUS, prettyJson, defaults);
  return { segmentCounters: {} };
}

/**
 * Seeds the Python MockBackend content (MockGPU inventory, export job, model registry entry,
 * telemetry device-1) over the live tree, so `/gpu` lists `bridge` first as live does.
 */
export function seedDemo(
  tree: NamespaceTree,
  options: { includeMig?: boolean; defaults?: CohesixDefaults } = {},
): SeedCounters {
  const gpus = options.includeMig ? [...DEMO_GPUS, DEMO_MIG] : DEMO_GPUS;
  seedLiveTree(tree, gpus, pythonJson, options.defaults ?? DEFAULTS);
  tree.put(
    ["gpu", "models", "available", "llama3-edge-v7", "manifest.toml"],
    [
      "[model]",
      'id="llama3-edge-v7"',
      "",
    ].join("\n"),
  );
  tree.put(["gpu", "models", "active"], "");
  const job = ["queen", "export", "lora_jobs", "job_8932"];
  tree.put([...job, "telemetry.cbor"], "telemetry-v1\n");
  tree.put([...job, "base_model.ref"], "vision-base-v1\n");
  tree.put([...job, "policy.toml"], '[policy]\nname = "default"\n');
  const device = ["queen", "telemetry", "device-1"];
  tree.put([...device, "ctl"], "");
  tree.put([...device, "seg", "seg-000001"], '{"seq":1}\n');
  tree.put([...device, "latest"], "seg-000001\n");
  return { segmentCounters: { "device-1": 1 } };
}
