/**
 * The publish of a GPU namespace snapshot, as gpu-bridge-host and `coh peft import --publish`
 * build it (CLI.md §6.4): the `gpu-bridge-snapshot/v1` wire text of an inventory plus a model
 * catalogue and the telemetry schema descriptor, its SHA-256, and the lines written to
 * `/gpu/bridge/ctl` — `begin bytes=<n> sha256=<hex>`, the base64 of the whole text in `b64:`
 * chunks of `((max_echo_len − 4) / 4) × 4` characters (124 for the release's 128), `end`.
 *
 * Pure: no I/O. Everything the Queen would reject is refused here, before anything is sent,
 * with a typed error (ids, manifest size, snapshot size, the ctl log it fills).
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { sha256Hex } from "../core/sha256.ts";
import {
  base64OfBytes,
  BRIDGE_CHUNK_PREFIX,
  BRIDGE_LIMITS,
  type BridgeLimits,
  type BridgeNode,
  renderBridgeSnapshot,
} from "../queen/bridge_wire.ts";
import { checkBridgeId, type ModelCatalog } from "./model_catalog.ts";

/**
 * gpu-bridge-host's telemetry schema descriptor (`gpu-telemetry/v1`, 247 bytes), served by the
 * Queen at `/gpu/telemetry/schema.json` after a publish.
 */
export const TELEMETRY_SCHEMA_DESCRIPTOR: string = JSON.stringify({
  schema_version: "gpu-telemetry/v1",
  max_record_bytes: 4096,
  required_fields: [
    "schema_version",
    "device_id",
    "model_id",
    "time_window",
    "token_count",
    "latency_histogram",
  ],
  optional_fields: ["lora_id", "confidence", "entropy", "drift", "feedback_flags"],
});

/** A snapshot ready to publish. */
export interface BridgeSnapshot {
  /** The wire text. */
  readonly text: string;
  /** Its UTF-8 bytes. */
  readonly bytes: Uint8Array;
  /** Lowercase hex SHA-256 of {@link bytes}. */
  readonly sha256: string;
  /** The payloads to write to `/gpu/bridge/ctl`, in order: `begin …`, `b64:…`, …, `end`. */
  readonly lines: readonly string[];
}

// `/gpu` lists `bridge`, `models` and `telemetry` beside the nodes; a stream holds 64 lines.
const NOT_GPU_IDS: ReadonlySet<string> = new Set(["bridge", "models", "telemetry"]);
const MAX_LISTED_ENTRIES = 64;
const encoder = new TextEncoder();

/** Builds the snapshot of `nodes` and `catalog`, refusing what the Queen would reject. */
export function buildBridgeSnapshot(
  nodes: readonly BridgeNode[],
  catalog: ModelCatalog,
  defaults: CohesixDefaults = DEFAULTS,
  limits: BridgeLimits = BRIDGE_LIMITS,
): BridgeSnapshot {
  checkContent(nodes, catalog, limits);
  const text = renderBridgeSnapshot({
    nodes,
    models: catalog.models,
    active: catalog.active,
    telemetrySchema: TELEMETRY_SCHEMA_DESCRIPTOR,
  });
  const bytes = encoder.encode(text);
  if (bytes.length > limits.maxSnapshotBytes) {
    throw new LimitError(
      `snapshot of ${bytes.length} bytes exceeds the Queen's ${limits.maxSnapshotBytes}-byte publish limit`,
      "gpu_bridge.max_snapshot_bytes",
      limits.maxSnapshotBytes,
      { hint: "publish fewer GPUs or models, or smaller manifests" },
    );
  }
  const sha256 = sha256Hex(bytes);
  const lines = publishLines(bytes, sha256, defaults.console.maxEchoLen);
  // The Queen logs every line since `begin` in /gpu/bridge/ctl, which holds 128 KiB.
  const logBytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
  if (logBytes > limits.maxCtlLogBytes) {
    throw new LimitError(
      `publish of ${bytes.length} bytes needs ${logBytes} bytes of /gpu/bridge/ctl log, over its ${limits.maxCtlLogBytes}`,
      "gpu_bridge.max_ctl_log_bytes",
      limits.maxCtlLogBytes,
      { hint: "publish fewer GPUs or models, or smaller manifests" },
    );
  }
  return { text, bytes, sha256, lines };
}

/** `begin`, the `b64:` chunks and `end` for `bytes`. */
function publishLines(bytes: Uint8Array, sha256: string, maxEchoLen: number): string[] {
  const chunkLength = Math.floor((maxEchoLen - BRIDGE_CHUNK_PREFIX.length) / 4) * 4;
  if (chunkLength < 4) {
    throw new ValidationError(`console.max_echo_len ${maxEchoLen} is too small for base64 chunks`);
  }
  const encoded = base64OfBytes(bytes);
  const lines = [`begin bytes=${bytes.length} sha256=${sha256}`];
  for (let i = 0; i < encoded.length; i += chunkLength) {
    lines.push(`${BRIDGE_CHUNK_PREFIX}${encoded.slice(i, i + chunkLength)}`);
  }
  lines.push("end");
  return lines;
}

function checkContent(
  nodes: readonly BridgeNode[],
  catalog: ModelCatalog,
  limits: BridgeLimits,
): void {
  const seen = new Set<string>();
  for (const node of nodes) {
    checkBridgeId(node.id, "GPU id", limits);
    if (NOT_GPU_IDS.has(node.id) || seen.has(node.id)) {
      throw new ValidationError(`GPU id ${JSON.stringify(node.id)} cannot be published`, {
        hint: seen.has(node.id)
          ? "each GPU id may appear once"
          : "bridge, models and telemetry are Queen directories under /gpu",
      });
    }
    seen.add(node.id);
  }
  if (nodes.length + NOT_GPU_IDS.size > MAX_LISTED_ENTRIES) {
    throw new LimitError(
      `${nodes.length} GPUs would make /gpu list more than ${MAX_LISTED_ENTRIES} entries`,
      "queen.max_stream_lines",
      MAX_LISTED_ENTRIES,
    );
  }
  if (catalog.models.length > MAX_LISTED_ENTRIES) {
    throw new LimitError(
      `${catalog.models.length} models would make /gpu/models/available list more than ${MAX_LISTED_ENTRIES} entries`,
      "queen.max_stream_lines",
      MAX_LISTED_ENTRIES,
    );
  }
  for (const model of catalog.models) {
    checkBridgeId(model.id, "model id", limits);
    const size = encoder.encode(model.manifest).length;
    if (size > limits.maxManifestBytes) {
      throw new LimitError(
        `manifest of model ${model.id} is ${size} bytes, over the Queen's ${limits.maxManifestBytes}`,
        "gpu_bridge.max_manifest_bytes",
        limits.maxManifestBytes,
      );
    }
  }
  checkBridgeId(catalog.active, "active model id", limits);
}
