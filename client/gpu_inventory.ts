/**
 * A host's GPU inventory as gpu-bridge-host describes it (CLI.md §6.3): one entry per GPU, the
 * `/gpu/<id>/` files it becomes in a publish (`info` as gpu-bridge-host's pretty JSON, `ctl`
 * `LEASE <id>\n`, `lease` and `status` empty), and upstream's mock inventory, which is also
 * what the live Queen boots with.
 *
 * @module
 */

import type { GpuInfo } from "./gpu.ts";
import type { BridgeNode } from "../queen/bridge_wire.ts";

/**
 * One GPU of an inventory: the fields of a `/gpu/<id>/info` (the id is `GPU-<index>` for NVML
 * and nvidia-smi; `smCount` 0 when unknown; `runtimeVersion` `<major>.<minor>` or `unknown`).
 */
export type GpuInventoryEntry = GpuInfo;

/** gpu-bridge-host's mock inventory, exactly (`--mock`, `coh --mock`, the live Queen's boot). */
export const MOCK_GPU_INVENTORY: readonly GpuInventoryEntry[] = Object.freeze([
  Object.freeze({
    id: "GPU-0",
    name: "Mock 4090",
    memoryMb: 24576,
    smCount: 144,
    driverVersion: "555.0",
    runtimeVersion: "12.4",
  }),
  Object.freeze({
    id: "GPU-1",
    name: "Mock 4060",
    memoryMb: 8192,
    smCount: 64,
    driverVersion: "555.0",
    runtimeVersion: "12.4",
  }),
]);

/**
 * The `/gpu/<id>/info` text gpu-bridge-host writes: JSON with a 4-space indent, keys in this
 * order, no final newline; strings escaped its way (`"`, `\`, `\n`, `\r`, `\t`, other control
 * characters as `\u00xx`, everything else verbatim).
 */
export function gpuInfoPayload(gpu: GpuInventoryEntry): string {
  return [
    "{",
    `    "id": "${escapeJsonString(gpu.id)}",`,
    `    "name": "${escapeJsonString(gpu.name)}",`,
    `    "memory_mb": ${gpu.memoryMb},`,
    `    "sm_count": ${gpu.smCount},`,
    `    "driver_version": "${escapeJsonString(gpu.driverVersion)}",`,
    `    "runtime_version": "${escapeJsonString(gpu.runtimeVersion)}"`,
    "}",
  ].join("\n");
}

/** The node a GPU becomes in a publish: its info, `LEASE <id>\n`, empty lease and status. */
export function bridgeNodeOf(gpu: GpuInventoryEntry): BridgeNode {
  return { id: gpu.id, info: gpuInfoPayload(gpu), ctl: `LEASE ${gpu.id}\n`, lease: "", status: "" };
}

/** gpu-bridge-host's JSON string escaping (not `JSON.stringify`'s: no `\b`/`\f` short forms). */
export function escapeJsonString(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return out;
}
