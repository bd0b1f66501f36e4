/**
 * `CohesixClient`: the host-side operations of coh/cohsh (OPERATIONS.md §4) over any
 * {@link Backend}. A thin facade: each method forwards to the module that implements the
 * operation. Only calls given a {@link CohesixAudit} produce transcript lines.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import type { CohesixAudit } from "./audit.ts";
import { type GpuInfo, gpuList, gpuStatus } from "./gpu.ts";
import {
  gpuPublish,
  type GpuPublishOptions,
  type GpuPublishRequest,
  type GpuPublishResult,
} from "./gpu_publish.ts";
import { queenKill } from "./kill.ts";
import { gpuLease, type GpuLeaseArgs } from "./lease.ts";
import { peftActivate, peftRollback } from "./peft_activate.ts";
import { peftExport, type PeftExportResult } from "./peft_export.ts";
import { peftImport, type PeftImportArgs, type PeftImportResult } from "./peft_import.ts";
import type { RegistryState } from "./registry_state.ts";
import type { BridgeNode } from "../queen/bridge_wire.ts";
import type { OperationOptions } from "./remote.ts";
import { runCommand } from "./run.ts";
import { telemetryPull, type TelemetryPullResult } from "./telemetry_pull.ts";
import {
  telemetryPush,
  type TelemetryPushOptions,
  type TelemetryPushResult,
} from "./telemetry_push.ts";

/** Options of {@link CohesixClient.peftImport}. */
export interface PeftImportOptions extends OperationOptions {
  /**
   * Publish the registry to the Queen after the import (coh `--publish`); `true` publishes
   * upstream's mock inventory, `{ nodes }` the given GPU nodes. Replaces the Queen's `/gpu`.
   */
  readonly publish?: boolean | { readonly nodes?: readonly BridgeNode[] };
}

/** Runs the Cohesix client operations against one backend. */
export class CohesixClient {
  /** The namespace the operations drive. */
  readonly backend: Backend;
  /** The bounds every operation enforces. */
  readonly defaults: CohesixDefaults;

  /** Creates a client over `backend`, with the release's bounds unless others are given. */
  constructor(backend: Backend, defaults: CohesixDefaults = DEFAULTS) {
    this.backend = backend;
    this.defaults = defaults;
  }

  /** Lists the GPUs in `/gpu` (LS order, without `models`, `telemetry`, `bridge`). */
  gpuList(audit?: CohesixAudit, options?: OperationOptions): Promise<GpuInfo[]> {
    return gpuList(this.backend, this.defaults, audit, options);
  }

  /** Returns the last non-empty line of `/gpu/<id>/status`, or `EMPTY`. */
  gpuStatus(gpuId: string, audit?: CohesixAudit, options?: OperationOptions): Promise<string> {
    return gpuStatus(this.backend, this.defaults, gpuId, audit, options);
  }

  /** Requests a GPU lease through `/queen/ctl`. */
  gpuLease(args: GpuLeaseArgs, audit?: CohesixAudit, options?: OperationOptions): Promise<void> {
    return gpuLease(this.backend, this.defaults, args, audit, options);
  }

  /** Runs `argv` under the GPU's active lease, with START/EXIT breadcrumbs. */
  runCommand(
    gpuId: string,
    argv: readonly string[],
    audit?: CohesixAudit,
    options?: OperationOptions,
  ): Promise<void> {
    return runCommand(this.backend, this.defaults, gpuId, argv, audit, options);
  }

  /** Asks the Queen to kill a worker. */
  queenKill(workerId: string, audit?: CohesixAudit, options?: OperationOptions): Promise<void> {
    return queenKill(this.backend, this.defaults, workerId, audit, options);
  }

  /** Pushes `payload` as a new telemetry segment of `deviceId`. */
  telemetryPush(
    deviceId: string,
    payload: string | Uint8Array,
    options?: TelemetryPushOptions,
  ): Promise<TelemetryPushResult> {
    return telemetryPush(this.backend, this.defaults, deviceId, payload, options);
  }

  /** Pulls every telemetry segment into `outDir/<device>/seg/<segment>`. */
  telemetryPull(
    outDir: string,
    audit?: CohesixAudit,
    options?: OperationOptions,
  ): Promise<TelemetryPullResult> {
    return telemetryPull(this.backend, this.defaults, outDir, audit, options);
  }

  /** Exports LoRA job `jobId` into `outDir/<jobId>/`. */
  peftExport(
    jobId: string,
    outDir: string,
    audit?: CohesixAudit,
    options?: OperationOptions,
  ): Promise<PeftExportResult> {
    return peftExport(this.backend, this.defaults, jobId, outDir, audit, options);
  }

  /**
   * Imports an exported job's adapter into the local model registry (no remote call); with
   * `publish`, then publishes the registry to the Queen as `coh peft import --publish` does —
   * which **replaces the Queen's whole `/gpu` snapshot** (see {@link gpuPublish}).
   */
  peftImport(
    args: PeftImportArgs,
    audit?: CohesixAudit,
    options: PeftImportOptions = {},
  ): Promise<PeftImportResult> {
    const { publish, ...callOptions } = options;
    if (publish === undefined || publish === false) return peftImport(this.defaults, args, audit);
    return peftImport(this.defaults, args, audit, {
      backend: this.backend,
      options: callOptions,
      ...(publish === true || publish.nodes === undefined ? {} : { nodes: publish.nodes }),
    });
  }

  /**
   * Publishes the GPU namespace (an inventory's nodes, upstream's mock inventory by default) and
   * the model registry to the Queen through `/gpu/bridge/ctl`, as `gpu-bridge-host --publish`
   * does, and checks `/gpu/bridge/status` confirms it. **A publish replaces the Queen's whole
   * `/gpu` snapshot**: GPU nodes are re-created with empty lease and status logs, `/gpu/models`
   * holds exactly the published models, `/gpu/models/active` restarts at the published one.
   */
  gpuPublish(
    request: GpuPublishRequest = {},
    options: GpuPublishOptions = {},
  ): Promise<GpuPublishResult> {
    return gpuPublish(this.backend, this.defaults, request, options);
  }

  /** Activates an imported model locally, then on the Queen. */
  peftActivate(
    modelId: string,
    registryRoot: string,
    audit?: CohesixAudit,
    options?: OperationOptions,
  ): Promise<RegistryState> {
    return peftActivate(this.backend, this.defaults, modelId, registryRoot, audit, options);
  }

  /** Swaps back to the previously active model, locally then on the Queen. */
  peftRollback(
    registryRoot: string,
    audit?: CohesixAudit,
    options?: OperationOptions,
  ): Promise<RegistryState> {
    return peftRollback(this.backend, this.defaults, registryRoot, audit, options);
  }
}
