/**
 * `gpu publish`: what `gpu-bridge-host --publish` and `coh peft import --publish` do (CLI.md
 * §6.4, OPERATIONS.md §4.9). The snapshot of a GPU inventory and a model registry is written to
 * `/gpu/bridge/ctl` as `begin bytes=<n> sha256=<hex>`, the `b64:` chunks and `end`; then
 * `/gpu/bridge/status` is read, and only `state=ok bytes=<n> sha256=<hex>` for exactly what was
 * sent counts as success. The transcript gets coh's one line,
 * `OK ECHO path=/gpu/bridge/ctl bytes=<n> sha256=<hex>`.
 *
 * **A publish replaces the Queen's whole `/gpu` snapshot**: the GPU nodes are re-created from
 * the inventory (their lease and status logs start empty, so active leases disappear from
 * view), `/gpu/models` holds exactly the published models, and `/gpu/models/active` restarts
 * with the published active model.
 *
 * @module
 */

import type { Backend, CallOptions } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { CommandError, PublishError } from "../core/errors.ts";
import {
  BRIDGE_CTL_PATH,
  BRIDGE_LIMITS,
  BRIDGE_STATUS_PATH,
  type BridgeNode,
} from "../queen/bridge_wire.ts";
import { type BridgeSnapshot, buildBridgeSnapshot } from "./bridge_snapshot.ts";
import { bridgeNodeOf, MOCK_GPU_INVENTORY } from "./gpu_inventory.ts";
import { DEFAULT_MODEL_CATALOG, loadModelCatalog, type ModelCatalog } from "./model_catalog.ts";
import { OperationRun } from "./operation_run.ts";
import { type OperationOptions, readFileCapped } from "./remote.ts";
import { decodeUtf8, encodeUtf8, lastNonEmptyLine } from "./text.ts";

/** What to publish. */
export interface GpuPublishRequest {
  /**
   * The GPU nodes, in order (from `mockInventoryNodes`, `loadInventoryFile` or
   * `nvidiaSmiInventory`); upstream's mock inventory when absent.
   */
  readonly nodes?: readonly BridgeNode[];
  /**
   * The model registry whose `available/<id>/manifest.toml` and `active` are published;
   * without it (or when it holds no models) upstream's default catalogue is published.
   */
  readonly registryRoot?: string;
}

/** What was published. */
export interface GpuPublishResult {
  /** Snapshot size, bytes. */
  readonly bytes: number;
  /** Snapshot SHA-256, lowercase hex. */
  readonly sha256: string;
  /** The ECHO lines written (`begin`, chunks, `end`). */
  readonly lines: number;
  /** GPU ids published, in order. */
  readonly gpus: readonly string[];
  /** The published models and where they came from. */
  readonly catalog: ModelCatalog;
  /** The status line that confirmed it. */
  readonly status: string;
}

/** Upstream's mock inventory as publish nodes. */
export function mockInventoryNodes(): BridgeNode[] {
  return MOCK_GPU_INVENTORY.map(bridgeNodeOf);
}

/**
 * Builds the snapshot of `request` without sending anything (what `gpuPublish` would send);
 * refuses with a typed error what the Queen would reject.
 */
export async function prepareGpuPublish(
  defaults: CohesixDefaults,
  request: GpuPublishRequest = {},
): Promise<{ snapshot: BridgeSnapshot; catalog: ModelCatalog; nodes: readonly BridgeNode[] }> {
  const nodes = request.nodes ?? mockInventoryNodes();
  const catalog = request.registryRoot === undefined
    ? DEFAULT_MODEL_CATALOG
    : await loadModelCatalog(request.registryRoot);
  return { snapshot: buildBridgeSnapshot(nodes, catalog, defaults), catalog, nodes };
}

/**
 * Publishes the GPU namespace and model catalogue to the Queen. **Replaces the Queen's whole
 * `/gpu` snapshot** (see the module notes). Fails with a `PublishError` quoting the Queen's
 * status line unless it confirms exactly these bytes.
 */
export async function gpuPublish(
  backend: Backend,
  defaults: CohesixDefaults,
  request: GpuPublishRequest = {},
  options: OperationOptions = {},
): Promise<GpuPublishResult> {
  using run = new OperationRun("gpu publish", options);
  const { audit } = run;
  const { snapshot, catalog, nodes } = await prepareGpuPublish(defaults, request);
  run.plan(snapshot.lines.length + 1);
  const expected = `state=ok bytes=${snapshot.bytes.length} sha256=${snapshot.sha256}`;
  for (const [index, line] of snapshot.lines.entries()) {
    try {
      await run.append(backend, BRIDGE_CTL_PATH, encodeUtf8(line));
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      const status = await readStatusQuietly(backend, run.callOptions);
      throw new PublishError(
        `publish line ${index + 1} of ${snapshot.lines.length} was refused: ${error.server.line}` +
          (status === "" ? "" : `; ${BRIDGE_STATUS_PATH}: ${status}`),
        status,
        { cause: error, hint: publishHint(error) },
      );
    }
  }
  const status = await run.request(
    `reading ${BRIDGE_STATUS_PATH}`,
    (call) => readStatus(backend, call),
  );
  if (status !== expected) {
    throw new PublishError(
      `the Queen did not confirm the publish: ${BRIDGE_STATUS_PATH} reads ${
        JSON.stringify(status)
      }, expected ${JSON.stringify(expected)}`,
      status,
      { hint: "another host may be publishing at the same time; publish again" },
    );
  }
  audit?.pushAck(
    "OK",
    "ECHO",
    `path=${BRIDGE_CTL_PATH} bytes=${snapshot.bytes.length} sha256=${snapshot.sha256}`,
  );
  return {
    bytes: snapshot.bytes.length,
    sha256: snapshot.sha256,
    lines: snapshot.lines.length,
    gpus: nodes.map((node) => node.id),
    catalog,
    status,
  };
}

async function readStatus(backend: Backend, options: CallOptions): Promise<string> {
  const bytes = await readFileCapped(
    backend,
    BRIDGE_STATUS_PATH,
    BRIDGE_LIMITS.maxStatusBytes,
    "gpu_bridge.max_status_bytes",
    options,
  );
  return lastNonEmptyLine(decodeUtf8(bytes, BRIDGE_STATUS_PATH)) ?? "";
}

async function readStatusQuietly(backend: Backend, options: CallOptions): Promise<string> {
  try {
    return await readStatus(backend, options);
  } catch {
    return "";
  }
}

function publishHint(error: CommandError): string {
  if (error.detail === "denied") {
    return "the Queen takes a publish only while ONLINE or DEGRADED, from a queen session";
  }
  if (error.detail === "invalid-path") {
    return "this namespace has no /gpu/bridge/ctl; publish to a Queen console";
  }
  return "the Queen refused the snapshot; check the inventory and the registry";
}
