/**
 * `CohesixClient`: the host-side operations of coh/cohsh (OPERATIONS.md §4) over any
 * {@link Backend}. A thin facade: each method forwards to the module that implements the
 * operation. Each method takes one trailing {@link OperationOptions} object; only calls given an
 * `audit` produce transcript lines.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { type GpuInfo, gpuList, gpuStatus } from "./gpu.ts";
import { gpuPublish, type GpuPublishRequest, type GpuPublishResult } from "./gpu_publish.ts";
import { queenKill } from "./kill.ts";
import { gpuLease, type GpuLeaseArgs } from "./lease.ts";
import { peftActivate, peftRollback } from "./peft_activate.ts";
import { peftExport, type PeftExportResult } from "./peft_export.ts";
import {
  peftImport,
  type PeftImportArgs,
  type PeftImportOptions,
  type PeftImportResult,
} from "./peft_import.ts";
import type { RegistryState } from "./registry_state.ts";
import type { OperationOptions } from "./remote.ts";
import { runCommand } from "./run.ts";
import { telemetryPull, type TelemetryPullResult } from "./telemetry_pull.ts";
import {
  telemetryPush,
  type TelemetryPushOptions,
  type TelemetryPushResult,
} from "./telemetry_push.ts";

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
  gpuList(options?: OperationOptions): Promise<GpuInfo[]> {
    return gpuList(this.backend, this.defaults, options);
  }

  /** Returns the last non-empty line of `/gpu/<id>/status`, or `EMPTY`. */
  gpuStatus(gpuId: string, options?: OperationOptions): Promise<string> {
    return gpuStatus(this.backend, this.defaults, gpuId, options);
  }

  /** Requests a GPU lease through `/queen/ctl`. */
  gpuLease(args: GpuLeaseArgs, options?: OperationOptions): Promise<void> {
    return gpuLease(this.backend, this.defaults, args, options);
  }

  /** Runs `argv` under the GPU's active lease, with START/EXIT breadcrumbs. */
  runCommand(gpuId: string, argv: readonly string[], options?: OperationOptions): Promise<void> {
    return runCommand(this.backend, this.defaults, gpuId, argv, options);
  }

  /** Asks the Queen to kill a worker. */
  queenKill(workerId: string, options?: OperationOptions): Promise<void> {
    return queenKill(this.backend, this.defaults, workerId, options);
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
  telemetryPull(outDir: string, options?: OperationOptions): Promise<TelemetryPullResult> {
    return telemetryPull(this.backend, this.defaults, outDir, options);
  }

  /** Exports LoRA job `jobId` into `outDir/<jobId>/`. */
  peftExport(jobId: string, outDir: string, options?: OperationOptions): Promise<PeftExportResult> {
    return peftExport(this.backend, this.defaults, jobId, outDir, options);
  }

  /**
   * Imports an exported job's adapter into the local model registry (no remote call); with
   * `publish`, then publishes the registry to this client's Queen as `coh peft import
   * --publish` does — which **replaces the Queen's whole `/gpu` snapshot** (see
   * {@link CohesixClient.gpuPublish}).
   */
  peftImport(args: PeftImportArgs, options: PeftImportOptions = {}): Promise<PeftImportResult> {
    const { publish } = options;
    if (publish === undefined || publish === false) return peftImport(this.defaults, args, options);
    return peftImport(this.defaults, args, {
      ...options,
      publish: { backend: this.backend, ...(publish === true ? {} : publish) },
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
    options: OperationOptions = {},
  ): Promise<GpuPublishResult> {
    return gpuPublish(this.backend, this.defaults, request, options);
  }

  /** Activates an imported model locally, then on the Queen. */
  peftActivate(
    modelId: string,
    registryRoot: string,
    options?: OperationOptions,
  ): Promise<RegistryState> {
    return peftActivate(this.backend, this.defaults, modelId, registryRoot, options);
  }

  /** Swaps back to the previously active model, locally then on the Queen. */
  peftRollback(registryRoot: string, options?: OperationOptions): Promise<RegistryState> {
    return peftRollback(this.backend, this.defaults, registryRoot, options);
  }
}
