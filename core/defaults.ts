/**
 * Every bound the client enforces, derived from the Cohesix manifest (`configs/root_task.toml`
 * of release 0.3.0-alpha2, resolved-manifest SHA-256 {@link MANIFEST_SHA256}). Nothing else in
 * the package hard-codes a limit: code reads these values through a {@link CohesixDefaults}
 * object, so a deployment with another manifest can override them (see `core/policy.ts`).
 *
 * Each field's JSDoc names its manifest origin.
 *
 * @module
 */

/** SHA-256 of the resolved manifest JSON these defaults were generated from. */
export const MANIFEST_SHA256 = "3a20adc55c8f975e20e8ef031422f8a09b4a7b8e524dd052bf69296ddf7ff1af";

/** SHA-256 of the release's `coh_policy.toml`, pinned as coh pins it. */
export const COH_POLICY_SHA256 = "73da6cb6898868e55463f995498c8c2fc349a55b7cdd937795171c4f06c517bb";

/** SHA-256 of the release's `cohsh_policy.toml`, pinned as cohsh pins it. */
export const COHSH_POLICY_SHA256 =
  "96262c617e5a15321d58f069f17664dfbe02ffa9e6e4df7a38169c21b4e37ee8";

/** Secure9P transport bounds. Origin: manifest `[secure9p]`. */
export interface Secure9pBounds {
  /** Largest frame either side accepts, header included. Origin: `[secure9p] msize`. */
  readonly msize: number;
  /** Most path components. Origin: `[secure9p] walk_depth`. */
  readonly walkDepth: number;
}

/** Console line bounds. Origin: `cohsh-core` constants (`crates/cohsh-core/src/command.rs`). */
export interface ConsoleBounds {
  /** Longest command line in bytes. Origin: `MAX_LINE_LEN`. */
  readonly maxLineLen: number;
  /** Longest path argument in bytes. Origin: `MAX_PATH_LEN`. */
  readonly maxPathLen: number;
  /** Longest `/queen/ctl` JSON payload. Origin: `MAX_JSON_LEN`. */
  readonly maxJsonLen: number;
  /** Longest worker id. Origin: `MAX_ID_LEN`. */
  readonly maxIdLen: number;
  /** Longest ECHO payload after trimming. Origin: `MAX_ECHO_LEN`. */
  readonly maxEchoLen: number;
  /** Longest ticket. Origin: `MAX_TICKET_LEN`. */
  readonly maxTicketLen: number;
  /** Longest ATTACH role. Origin: `MAX_ROLE_LEN` (server parser; `ERR PARSE … role …`). */
  readonly maxRoleLen: number;
}

/** Ticket claim limits. Origin: manifest `[ticket_limits]`. */
export interface TicketLimits {
  /** Origin: `max_scopes`. */
  readonly maxScopes: number;
  /** Origin: `max_scope_path_len`. */
  readonly maxScopePathLen: number;
  /** Origin: `max_scope_rate_per_s`. */
  readonly maxScopeRatePerS: number;
  /** Origin: `bandwidth_bytes`. */
  readonly bandwidthBytes: number;
  /** Origin: `cursor_resumes`. */
  readonly cursorResumes: number;
  /** Origin: `cursor_advances`. */
  readonly cursorAdvances: number;
}

/** Well-known control paths. Origin: manifest `[client_paths]`. */
export interface ClientPaths {
  /** Origin: `queen_ctl`. */
  readonly queenCtl: string;
  /** Origin: `queen_lifecycle_ctl`. */
  readonly queenLifecycleCtl: string;
  /** Origin: `log`. */
  readonly log: string;
}

/** Queen-side telemetry ingest bounds. Origin: manifest `[telemetry_ingest]`. */
export interface TelemetryIngestBounds {
  /** Origin: `max_segments_per_device`. */
  readonly maxSegmentsPerDevice: number;
  /** Origin: `max_bytes_per_segment`. */
  readonly maxBytesPerSegment: number;
  /** Origin: `max_total_bytes_per_device`. */
  readonly maxTotalBytesPerDevice: number;
  /** Origin: `eviction_policy`. */
  readonly evictionPolicy: string;
}

/** Telemetry push envelope. Origin: coh-rtc / cohsh generator constants. */
export interface TelemetryPushBounds {
  /** Record schema. Origin: `cohsh-telemetry-push/v1` constant. */
  readonly schema: string;
  /** Largest record including its newline. Origin: `TELEMETRY_RECORD_MAX_BYTES`. */
  readonly maxRecordBytes: number;
}

/** `coh` client policies. Origin: manifest `[client_policies.coh.*]`. */
export interface CohPolicy {
  /** Origin: `[client_policies.coh.mount]`. */
  readonly mount: { readonly root: string; readonly allowlist: readonly string[] };
  /** Origin: `[client_policies.coh.telemetry]`. */
  readonly telemetry: {
    readonly root: string;
    readonly maxDevices: number;
    readonly maxSegmentsPerDevice: number;
    readonly maxBytesPerSegment: number;
    readonly maxTotalBytesPerDevice: number;
  };
  /** Origin: `[client_policies.coh.run.lease]` and `[…run.breadcrumb]`. */
  readonly run: {
    readonly lease: {
      readonly schema: string;
      readonly activeState: string;
      readonly maxBytes: number;
    };
    readonly breadcrumb: {
      readonly schema: string;
      readonly maxLineBytes: number;
      readonly maxCommandBytes: number;
    };
  };
  /** Origin: `[client_policies.coh.peft.*]`. */
  readonly peft: {
    readonly export: {
      readonly root: string;
      readonly maxTelemetryBytes: number;
      readonly maxPolicyBytes: number;
      readonly maxBaseModelBytes: number;
    };
    readonly import: {
      readonly registryRoot: string;
      readonly maxAdapterBytes: number;
      readonly maxLoraBytes: number;
      readonly maxMetricsBytes: number;
      readonly maxManifestBytes: number;
    };
    readonly activate: { readonly maxModelIdBytes: number; readonly maxStateBytes: number };
  };
}

/** Connection retry policy. Origin: manifest `[client_policies.retry]`. */
export interface RetryPolicy {
  /** Origin: `max_attempts`. */
  readonly maxAttempts: number;
  /** Origin: `backoff_ms`. */
  readonly backoffMs: number;
  /** Origin: `ceiling_ms`. */
  readonly ceilingMs: number;
  /** Per-request timeout in wall milliseconds. Origin: `timeout_ms`. */
  readonly timeoutMs: number;
}

/** Client-side read caps hard-coded in coh and the Python client (not in the manifest). */
export interface ReadCaps {
  /** Origin: coh `MAX_DIR_LIST_BYTES` (`apps/coh/src/lib.rs`). */
  readonly maxDirListBytes: number;
  /** Origin: coh `MAX_GPU_INFO_BYTES` (`apps/coh/src/gpu.rs`). */
  readonly maxGpuInfoBytes: number;
  /** Origin: coh `MAX_GPU_STATUS_BYTES` (`apps/coh/src/gpu.rs`). */
  readonly maxGpuStatusBytes: number;
}

/** Literals the examples use by default. Origin: coh-rtc's Python generator. */
export interface ExampleDefaults {
  /** GPU leased by `lease_run` when `--gpu` is not given. */
  readonly gpuId: string;
  /** MIG slice preferred by `lease_run --prefer-mig`. */
  readonly migGpuId: string;
  /** Export job of `peft_roundtrip`. */
  readonly jobId: string;
  /** Model imported and activated by `peft_roundtrip`. */
  readonly modelId: string;
  /** Telemetry device of `telemetry_write_pull`. */
  readonly deviceId: string;
  /** Where the examples write their artifacts (relative to the working directory). */
  readonly outputRoot: string;
}

/** The complete set of bounds and defaults, as the manifest defines them. */
export interface CohesixDefaults {
  /** SHA-256 of the resolved manifest these values came from. */
  readonly manifestSha256: string;
  /** SHA-256 the coh policy file must have (see `core/policy.ts`). */
  readonly cohPolicySha256: string;
  /** See {@link Secure9pBounds}. */
  readonly secure9p: Secure9pBounds;
  /** See {@link ConsoleBounds}. */
  readonly console: ConsoleBounds;
  /** See {@link TicketLimits}. */
  readonly ticketLimits: TicketLimits;
  /** See {@link ClientPaths}. */
  readonly paths: ClientPaths;
  /** See {@link TelemetryIngestBounds}. */
  readonly telemetryIngest: TelemetryIngestBounds;
  /** See {@link TelemetryPushBounds}. */
  readonly telemetryPush: TelemetryPushBounds;
  /** See {@link CohPolicy}. */
  readonly coh: CohPolicy;
  /** See {@link RetryPolicy}. */
  readonly retry: RetryPolicy;
  /** Heartbeat interval in wall ms. Origin: `[client_policies.heartbeat] interval_ms`. */
  readonly heartbeatIntervalMs: number;
  /** See {@link ReadCaps}. */
  readonly readCaps: ReadCaps;
  /** See {@link ExampleDefaults}. */
  readonly examples: ExampleDefaults;
}

/** The defaults of release 0.3.0-alpha2, frozen. */
export const DEFAULTS: CohesixDefaults = deepFreeze({
  manifestSha256: MANIFEST_SHA256,
  cohPolicySha256: COH_POLICY_SHA256,
  secure9p: { msize: 8192, walkDepth: 8 },
  console: {
    maxLineLen: 256,
    maxPathLen: 96,
    maxJsonLen: 192,
    maxIdLen: 32,
    maxEchoLen: 128,
    maxTicketLen: 224,
    maxRoleLen: 16,
  },
  ticketLimits: {
    maxScopes: 8,
    maxScopePathLen: 128,
    maxScopeRatePerS: 64,
    bandwidthBytes: 131072,
    cursorResumes: 16,
    cursorAdvances: 256,
  },
  paths: {
    queenCtl: "/queen/ctl",
    queenLifecycleCtl: "/queen/lifecycle/ctl",
    log: "/log/queen.log",
  },
  telemetryIngest: {
    maxSegmentsPerDevice: 4,
    maxBytesPerSegment: 32768,
    maxTotalBytesPerDevice: 131072,
    evictionPolicy: "evict-oldest",
  },
  telemetryPush: { schema: "cohsh-telemetry-push/v1", maxRecordBytes: 4096 },
  coh: {
    mount: { root: "/", allowlist: ["/proc", "/queen", "/worker", "/log", "/gpu", "/host"] },
    telemetry: {
      root: "/queen/telemetry",
      maxDevices: 32,
      maxSegmentsPerDevice: 4,
      maxBytesPerSegment: 32768,
      maxTotalBytesPerDevice: 131072,
    },
    run: {
      lease: { schema: "gpu-lease/v1", activeState: "ACTIVE", maxBytes: 1024 },
      breadcrumb: { schema: "gpu-breadcrumb/v1", maxLineBytes: 512, maxCommandBytes: 256 },
    },
    peft: {
      export: {
        root: "/queen/export/lora_jobs",
        maxTelemetryBytes: 131072,
        maxPolicyBytes: 8192,
        maxBaseModelBytes: 1024,
      },
      import: {
        registryRoot: "out/model_registry",
        maxAdapterBytes: 67108864,
        maxLoraBytes: 65536,
        maxMetricsBytes: 65536,
        maxManifestBytes: 8192,
      },
      activate: { maxModelIdBytes: 128, maxStateBytes: 4096 },
    },
  },
  retry: { maxAttempts: 3, backoffMs: 200, ceilingMs: 2000, timeoutMs: 5000 },
  heartbeatIntervalMs: 15000,
  readCaps: { maxDirListBytes: 65536, maxGpuInfoBytes: 16384, maxGpuStatusBytes: 65536 },
  examples: {
    gpuId: "GPU-0",
    migGpuId: "MIG-0",
    jobId: "job_8932",
    modelId: "llama3-edge-v7",
    deviceId: "device-1",
    outputRoot: "out/examples",
  },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
