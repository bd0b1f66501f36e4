/**
 * `cohesix` for Deno: a thin, non-authoritative client for the Cohesix Queen. It mirrors the
 * verbs, bounds and error rules of the upstream `cohsh`/`coh` tools over three backends:
 *
 * - {@link TcpBackend}: the live console (needs `--allow-net=HOST:PORT`);
 * - {@link FilesystemBackend}: a mounted Secure9P namespace (`--allow-read`/`--allow-write` on
 *   the mount);
 * - {@link MockBackend}: a deterministic in-memory Queen for tests and first-run demos.
 *
 * @example
 * ```ts
 * import { CohesixAudit, CohesixClient, MockBackend } from "./mod.ts";
 *
 * await using backend = new MockBackend();
 * const client = new CohesixClient(backend);
 * const audit = new CohesixAudit();
 * const gpus = await client.gpuList({ audit });
 * console.log(gpus.map((g) => g.id), audit.lines);
 * ```
 *
 * @module
 */

export * from "./core/errors.ts";
export { displayText, escapeControls, maskSecrets, REDACTED } from "./core/display_text.ts";
export { writeFileAtomic, writeFileAtomicSync, writeFileAtomicWith } from "./core/atomic_file.ts";
export { DEFAULTS, MANIFEST_SHA256 } from "./core/defaults.ts";
export type * from "./core/defaults.ts";
export {
  enforceIdBytes,
  ensureJsonString,
  joinPath,
  validateComponent,
  validatePath,
} from "./core/paths.ts";
export {
  type CohPolicyOptions,
  type CohshPolicy,
  type CohshPolicyOptions,
  loadCohPolicy,
  loadCohshPolicy,
  parseCohPolicy,
  parseCohshPolicy,
} from "./core/policy.ts";
export {
  normalizeRole,
  type ParsedTicket,
  parseTicket,
  type ScopeVerb,
  type TicketClaims,
  type TicketQuotas,
  type TicketRole,
  type TicketScope,
  validateTicketForRole,
} from "./wire/ticket.ts";

export type { Backend, CallOptions } from "./backends/backend.ts";
export { TcpBackend, type TcpBackendOptions, type WriteAppendResult } from "./backends/tcp.ts";
export { FilesystemBackend, type FilesystemBackendOptions } from "./backends/filesystem.ts";
export * from "./backends/mock.ts";

export { CohesixClient } from "./client/client.ts";
export { CohesixAudit, normalizeTranscript, toTranscript } from "./client/audit.ts";
export type { GpuInfo } from "./client/gpu.ts";
export type { GpuLeaseArgs } from "./client/lease.ts";
export type { OperationOptions } from "./client/remote.ts";
export type { TelemetryPushOptions, TelemetryPushResult } from "./client/telemetry_push.ts";
export type { TelemetryPullResult } from "./client/telemetry_pull.ts";
export type { PeftExportResult } from "./client/peft_export.ts";
export type { PeftImportArgs, PeftImportOptions, PeftImportResult } from "./client/peft_import.ts";
export type { RegistryState } from "./client/registry_state.ts";
export type { PeftImportPublish } from "./client/peft_import.ts";
export {
  gpuPublish,
  type GpuPublishRequest,
  type GpuPublishResult,
  mockInventoryNodes,
  prepareGpuPublish,
} from "./client/gpu_publish.ts";
export {
  type BridgeSnapshot,
  buildBridgeSnapshot,
  TELEMETRY_SCHEMA_DESCRIPTOR,
} from "./client/bridge_snapshot.ts";
export {
  bridgeNodeOf,
  gpuInfoPayload,
  type GpuInventoryEntry,
  MOCK_GPU_INVENTORY,
} from "./client/gpu_inventory.ts";
export { loadInventoryFile, parseInventoryJson } from "./client/inventory_file.ts";
export { nvidiaSmiInventory, type NvidiaSmiOptions } from "./client/nvidia_smi_inventory.ts";
export {
  DEFAULT_MODEL_CATALOG,
  loadModelCatalog,
  type ModelCatalog,
} from "./client/model_catalog.ts";
export {
  BRIDGE_LIMITS,
  type BridgeLimits,
  type BridgeModel,
  type BridgeNode,
  type BridgeSnapshotContent,
} from "./queen/bridge_wire.ts";
