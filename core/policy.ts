/**
 * Loading an operator's policy files (OPERATIONS.md §2.3) the way coh and cohsh do: read with a
 * size cap, check the SHA-256 of the raw bytes against the pinned hash, parse strictly (unknown
 * tables and keys are errors), check `[meta] manifest_sha256` against the manifest the defaults
 * came from, then validate every bound. Messages are coh's and cohsh's own.
 *
 * `loadCohPolicy` returns a new frozen {@link CohesixDefaults} with the `coh.*` and `retry`
 * values of the file, to be passed to every operation. A deployment built from another
 * manifest passes its own `base` (with its manifest hash) and `pinnedSha256`.
 *
 * @module
 */

import { sha256Hex } from "./sha256.ts";
import {
  type CohesixDefaults,
  COHSH_POLICY_SHA256,
  DEFAULTS,
  type RetryPolicy,
} from "./defaults.ts";
import { PermissionError, PolicyError } from "./errors.ts";
import { parsePolicyToml, type PolicyTomlDocument, type PolicyTomlValue } from "./policy_toml.ts";

/** Largest policy file read (the release's files are about 1 KiB). */
export const DEFAULT_POLICY_MAX_BYTES = 16 * 1024;

/** Options of {@link loadCohPolicy} and {@link parseCohPolicy}. */
export interface CohPolicyOptions {
  /** Defaults the policy applies to; its `manifestSha256` is the expected `[meta]` hash. Default {@link DEFAULTS}. */
  readonly base?: CohesixDefaults;
  /** SHA-256 (hex) the file's raw bytes must have. Default `base.cohPolicySha256`. */
  readonly pinnedSha256?: string;
  /** Largest file accepted, in bytes. Default {@link DEFAULT_POLICY_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Name of the file in messages. Default: the path, or `coh policy`. */
  readonly source?: string;
}

/** Options of {@link loadCohshPolicy} and {@link parseCohshPolicy}. */
export interface CohshPolicyOptions {
  /** Defaults whose `manifestSha256` is the expected `[meta]` hash. Default {@link DEFAULTS}. */
  readonly base?: CohesixDefaults;
  /** SHA-256 (hex) the file's raw bytes must have. Default {@link COHSH_POLICY_SHA256}. */
  readonly pinnedSha256?: string;
  /** Largest file accepted, in bytes. Default {@link DEFAULT_POLICY_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Name of the file in messages. Default: the path, or `cohsh policy`. */
  readonly source?: string;
}

/** The values of a `cohsh_policy.toml`. */
export interface CohshPolicy {
  /** `[meta] manifest_sha256`. */
  readonly manifestSha256: string;
  /** `[cohsh.pool]`. */
  readonly pool: { readonly controlSessions: number; readonly telemetrySessions: number };
  /** `[cohsh.tail]`, in milliseconds. */
  readonly tail: {
    readonly pollMsDefault: number;
    readonly pollMsMin: number;
    readonly pollMsMax: number;
  };
  /** `[cohsh.host_telemetry]`, in milliseconds. */
  readonly hostTelemetry: {
    readonly nvidiaPollMs: number;
    readonly systemdPollMs: number;
    readonly dockerPollMs: number;
    readonly k8sPollMs: number;
  };
  /** `[retry]`. */
  readonly retry: RetryPolicy;
  /** `[heartbeat] interval_ms`. */
  readonly heartbeatIntervalMs: number;
  /** `[trace] max_bytes`. */
  readonly traceMaxBytes: number;
}

type FieldKind = "string" | "strings" | "u8" | "u32" | "u64";
type Schema = Readonly<Record<string, Readonly<Record<string, FieldKind>>>>;

const COH_SCHEMA: Schema = {
  "meta": { manifest_sha256: "string" },
  "coh.mount": { root: "string", allowlist: "strings" },
  "coh.telemetry": {
    root: "string",
    max_devices: "u32",
    max_segments_per_device: "u32",
    max_bytes_per_segment: "u32",
    max_total_bytes_per_device: "u32",
  },
  "coh.run.lease": { schema: "string", active_state: "string", max_bytes: "u64" },
  "coh.run.breadcrumb": { schema: "string", max_line_bytes: "u64", max_command_bytes: "u64" },
  "coh.peft.export": {
    root: "string",
    max_telemetry_bytes: "u64",
    max_policy_bytes: "u64",
    max_base_model_bytes: "u64",
  },
  "coh.peft.import": {
    registry_root: "string",
    max_adapter_bytes: "u64",
    max_lora_bytes: "u64",
    max_metrics_bytes: "u64",
    max_manifest_bytes: "u64",
  },
  "coh.peft.activate": { max_model_id_bytes: "u64", max_state_bytes: "u64" },
  "retry": { max_attempts: "u8", backoff_ms: "u64", ceiling_ms: "u64", timeout_ms: "u64" },
};

const COHSH_SCHEMA: Schema = {
  "meta": { manifest_sha256: "string" },
  "cohsh.pool": { control_sessions: "u32", telemetry_sessions: "u32" },
  "cohsh.tail": { poll_ms_default: "u64", poll_ms_min: "u64", poll_ms_max: "u64" },
  "cohsh.host_telemetry": {
    nvidia_poll_ms: "u64",
    systemd_poll_ms: "u64",
    docker_poll_ms: "u64",
    k8s_poll_ms: "u64",
  },
  "retry": { max_attempts: "u8", backoff_ms: "u64", ceiling_ms: "u64", timeout_ms: "u64" },
  "heartbeat": { interval_ms: "u64" },
  "trace": { max_bytes: "u64" },
};

const MAX_OF: Readonly<Record<"u8" | "u32" | "u64", number>> = {
  u8: 0xff,
  u32: 0xffff_ffff,
  u64: Number.MAX_SAFE_INTEGER,
};

/** Reads a policy file with a size cap, mapping failures to errors that say what to do. */
async function readCapped(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (cause) {
    throw fileError(cause, path, what);
  }
  try {
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = await file.read(buffer.subarray(length));
      if (read === null) break;
      length += read;
    }
    if (length > maxBytes) {
      throw new PolicyError(`${what} ${path} exceeds ${maxBytes} bytes`, {
        hint: "point at the generated policy file (out/" +
          (what === "coh policy" ? "coh_policy.toml" : "cohsh_policy.toml") + ")",
      });
    }
    return buffer.slice(0, length);
  } catch (cause) {
    throw cause instanceof PolicyError ? cause : fileError(cause, path, what);
  } finally {
    file.close();
  }
}

function fileError(cause: unknown, path: string, what: string): Error {
  if (cause instanceof Deno.errors.NotCapable) {
    return new PermissionError(`reading ${what} ${path}`, `--allow-read=${path}`, { cause });
  }
  if (cause instanceof Deno.errors.NotFound) {
    return new PolicyError(`${what} ${path} not found`, {
      cause,
      hint:
        "pass the path of the release's out/ policy file, or omit it to use the built-in defaults",
    });
  }
  if (cause instanceof Deno.errors.IsADirectory) {
    return new PolicyError(`${what} ${path} is a directory`, {
      cause,
      hint: "pass the policy file itself",
    });
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new PolicyError(`failed to read ${what} ${path}: ${reason}`, {
    cause,
    hint: "check that the file exists and is readable",
  });
}

/** Size cap, pinned hash, UTF-8 and strict TOML: the steps both policy files share. */
function checkAndParse(
  input: Uint8Array | string,
  what: string,
  source: string,
  pinnedSha256: string,
  maxBytes: number,
  schema: Schema,
): PolicyTomlDocument {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  if (bytes.length > maxBytes) {
    throw new PolicyError(`${what} ${source} exceeds ${maxBytes} bytes`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== pinnedSha256.toLowerCase()) {
    throw new PolicyError(`${what} hash mismatch: expected ${pinnedSha256} got ${actual}`, {
      hint: "the file was edited or belongs to another release; restore it, or pin its hash " +
        "(pinnedSha256) if this deployment really uses it",
    });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new PolicyError(`invalid UTF-8 in ${what} ${source}`, { cause });
  }
  const document = parsePolicyToml(text, source);
  checkSchema(document, schema, source);
  return document;
}

/** Unknown tables and keys, missing keys and wrong types are all errors (serde's deny_unknown_fields). */
function checkSchema(document: PolicyTomlDocument, schema: Schema, source: string): void {
  const fail = (message: string): never => {
    throw new PolicyError(`${source}: ${message}`, {
      hint: "policy files are generated by coh-rtc; regenerate it rather than editing by hand",
    });
  };
  for (const [table, entries] of document) {
    const fields = schema[table];
    if (fields === undefined) {
      // Parent tables (`[coh]`, `[coh.run]`) may be spelled out as long as they hold no keys.
      const isParent = Object.keys(schema).some((name) => name.startsWith(`${table}.`)) ||
        table === "";
      if (!isParent) fail(`unknown table [${table}]`);
      for (const key of entries.keys()) {
        fail(`unknown key ${table === "" ? key : `${table}.${key}`}`);
      }
      continue;
    }
    for (const key of entries.keys()) {
      if (!Object.hasOwn(fields, key)) fail(`unknown key ${table}.${key}`);
    }
  }
  for (const [table, fields] of Object.entries(schema)) {
    const entries = document.get(table);
    if (entries === undefined) fail(`missing table [${table}]`);
    for (const [key, kind] of Object.entries(fields)) {
      const value = entries?.get(key);
      const name = `${table}.${key}`;
      if (value === undefined) fail(`missing key ${name}`);
      else if (kind === "string" && typeof value !== "string") fail(`${name} must be a string`);
      else if (kind === "strings") {
        if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
          fail(`${name} must be an array of strings`);
        }
      } else if (kind !== "string") {
        const max = MAX_OF[kind];
        if (typeof value !== "number" || value < 0 || value > max) {
          fail(`${name} must be an integer in 0..${max}`);
        }
      }
    }
  }
}

function getString(document: PolicyTomlDocument, table: string, key: string): string {
  return document.get(table)?.get(key) as string;
}

function getNumber(document: PolicyTomlDocument, table: string, key: string): number {
  return document.get(table)?.get(key) as number;
}

function getStrings(document: PolicyTomlDocument, table: string, key: string): string[] {
  return [...(document.get(table)?.get(key) as readonly PolicyTomlValue[])] as string[];
}

function invalid(message: string, source: string): PolicyError {
  return new PolicyError(message, { hint: `fix ${source} or regenerate it with coh-rtc` });
}

/** coh's `validate_path`: absolute, `/` only when allowed, no `.`/`..`/NUL, bounded depth. */
function checkQueenPath(
  label: string,
  value: string,
  allowRoot: boolean,
  maxDepth: number,
  source: string,
): void {
  if (!value.startsWith("/")) throw invalid(`${label} must be absolute`, source);
  if (value === "/") {
    if (allowRoot) return;
    throw invalid(`${label} must not be '/'`, source);
  }
  let depth = 0;
  for (const component of value.split("/").slice(1)) {
    if (component === "") continue;
    if (component === "." || component === "..") {
      throw invalid(`${label} contains invalid component '${component}'`, source);
    }
    if (component.includes("\0")) throw invalid(`${label} contains NUL byte`, source);
    depth++;
    if (depth > maxDepth) throw invalid(`${label} exceeds max depth ${maxDepth}`, source);
  }
}

/** coh's `validate_host_path`: a host-side path (may be relative); non-empty, no `.`/`..`/NUL. */
function checkHostPath(label: string, value: string, maxDepth: number, source: string): void {
  const trimmed = value.trim();
  if (trimmed === "") throw invalid(`${label} must not be empty`, source);
  if (trimmed.includes("\0")) throw invalid(`${label} contains NUL byte`, source);
  let depth = 0;
  for (const component of trimmed.split("/").filter((segment) => segment !== "")) {
    if (component === "." || component === "..") {
      throw invalid(`${label} contains invalid component '${component}'`, source);
    }
    depth++;
    if (depth > maxDepth) throw invalid(`${label} exceeds max depth ${maxDepth}`, source);
  }
}

function atLeastOne(label: string, value: number, source: string): void {
  if (value < 1) throw invalid(`${label} must be >= 1`, source);
}

function notBlank(label: string, value: string, source: string): void {
  if (value.trim() === "") throw invalid(`${label} must not be empty`, source);
}

function checkRetry(prefix: string, retry: RetryPolicy, source: string): void {
  atLeastOne(`${prefix} retry max_attempts`, retry.maxAttempts, source);
  atLeastOne(`${prefix} retry backoff_ms`, retry.backoffMs, source);
  if (retry.ceilingMs < retry.backoffMs) {
    throw invalid(
      `${prefix} retry ceiling_ms ${retry.ceilingMs} must be >= backoff_ms ${retry.backoffMs}`,
      source,
    );
  }
  atLeastOne(`${prefix} retry timeout_ms`, retry.timeoutMs, source);
}

function readRetry(document: PolicyTomlDocument): RetryPolicy {
  return {
    maxAttempts: getNumber(document, "retry", "max_attempts"),
    backoffMs: getNumber(document, "retry", "backoff_ms"),
    ceilingMs: getNumber(document, "retry", "ceiling_ms"),
    timeoutMs: getNumber(document, "retry", "timeout_ms"),
  };
}

function checkManifest(what: string, document: PolicyTomlDocument, expected: string): void {
  const actual = getString(document, "meta", "manifest_sha256");
  if (actual !== expected) {
    throw new PolicyError(`${what} manifest hash mismatch: expected ${expected} got ${actual}`, {
      hint: "the policy was generated from another manifest; use the matching defaults (base)",
    });
  }
}

/**
 * Checks and parses the bytes (or text) of a `coh_policy.toml` and returns `base` with its
 * `coh.*` and `retry` values replaced, frozen. Throws {@link PolicyError} with coh's messages
 * (`coh policy hash mismatch: expected <pinned> got <actual>`, `coh.<section>.<key> must be >= 1`,
 * …). No I/O.
 */
export function parseCohPolicy(
  input: Uint8Array | string,
  options: CohPolicyOptions = {},
): CohesixDefaults {
  const base = options.base ?? DEFAULTS;
  const pinned = options.pinnedSha256 ?? base.cohPolicySha256;
  const source = options.source ?? "coh policy";
  const d = checkAndParse(
    input,
    "coh policy",
    source,
    pinned,
    options.maxBytes ?? DEFAULT_POLICY_MAX_BYTES,
    COH_SCHEMA,
  );
  checkManifest("coh policy", d, base.manifestSha256);
  const depth = base.secure9p.walkDepth;
  const n = (table: string, key: string) => getNumber(d, table, key);

  const mountRoot = getString(d, "coh.mount", "root");
  checkQueenPath("coh.mount.root", mountRoot, true, depth, source);
  const allowlist = getStrings(d, "coh.mount", "allowlist");
  if (allowlist.length === 0) throw invalid("coh.mount.allowlist must not be empty", source);
  for (const entry of allowlist) checkQueenPath("coh.mount.allowlist", entry, false, depth, source);

  const telemetryRoot = getString(d, "coh.telemetry", "root");
  checkQueenPath("coh.telemetry.root", telemetryRoot, false, depth, source);
  for (
    const key of [
      "max_devices",
      "max_segments_per_device",
      "max_bytes_per_segment",
      "max_total_bytes_per_device",
    ]
  ) {
    atLeastOne(`coh.telemetry.${key}`, n("coh.telemetry", key), source);
  }

  const leaseSchema = getString(d, "coh.run.lease", "schema");
  notBlank("coh.run.lease.schema", leaseSchema, source);
  const activeState = getString(d, "coh.run.lease", "active_state");
  notBlank("coh.run.lease.active_state", activeState, source);
  atLeastOne("coh.run.lease.max_bytes", n("coh.run.lease", "max_bytes"), source);
  const breadcrumbSchema = getString(d, "coh.run.breadcrumb", "schema");
  notBlank("coh.run.breadcrumb.schema", breadcrumbSchema, source);
  const maxLineBytes = n("coh.run.breadcrumb", "max_line_bytes");
  const maxCommandBytes = n("coh.run.breadcrumb", "max_command_bytes");
  atLeastOne("coh.run.breadcrumb.max_line_bytes", maxLineBytes, source);
  atLeastOne("coh.run.breadcrumb.max_command_bytes", maxCommandBytes, source);
  if (maxCommandBytes > maxLineBytes) {
    throw invalid(
      `coh.run.breadcrumb.max_command_bytes ${maxCommandBytes} exceeds max_line_bytes ${maxLineBytes}`,
      source,
    );
  }

  const exportRoot = getString(d, "coh.peft.export", "root");
  checkQueenPath("coh.peft.export.root", exportRoot, false, depth, source);
  const maxTelemetryBytes = n("coh.peft.export", "max_telemetry_bytes");
  atLeastOne("coh.peft.export.max_telemetry_bytes", maxTelemetryBytes, source);
  const maxTotalPerDevice = n("coh.telemetry", "max_total_bytes_per_device");
  if (maxTelemetryBytes > maxTotalPerDevice) {
    throw invalid(
      `coh.peft.export.max_telemetry_bytes ${maxTelemetryBytes} exceeds coh.telemetry.max_total_bytes_per_device ${maxTotalPerDevice}`,
      source,
    );
  }
  atLeastOne("coh.peft.export.max_policy_bytes", n("coh.peft.export", "max_policy_bytes"), source);
  atLeastOne(
    "coh.peft.export.max_base_model_bytes",
    n("coh.peft.export", "max_base_model_bytes"),
    source,
  );
  const registryRoot = getString(d, "coh.peft.import", "registry_root");
  checkHostPath("coh.peft.import.registry_root", registryRoot, depth, source);
  for (
    const key of ["max_adapter_bytes", "max_lora_bytes", "max_metrics_bytes", "max_manifest_bytes"]
  ) {
    atLeastOne(`coh.peft.import.${key}`, n("coh.peft.import", key), source);
  }
  for (const key of ["max_model_id_bytes", "max_state_bytes"]) {
    atLeastOne(`coh.peft.activate.${key}`, n("coh.peft.activate", key), source);
  }
  const retry = readRetry(d);
  checkRetry("coh", retry, source);

  return deepFreeze({
    ...structuredClone(base),
    cohPolicySha256: pinned.toLowerCase(),
    coh: {
      mount: { root: mountRoot, allowlist },
      telemetry: {
        root: telemetryRoot,
        maxDevices: n("coh.telemetry", "max_devices"),
        maxSegmentsPerDevice: n("coh.telemetry", "max_segments_per_device"),
        maxBytesPerSegment: n("coh.telemetry", "max_bytes_per_segment"),
        maxTotalBytesPerDevice: maxTotalPerDevice,
      },
      run: {
        lease: { schema: leaseSchema, activeState, maxBytes: n("coh.run.lease", "max_bytes") },
        breadcrumb: { schema: breadcrumbSchema, maxLineBytes, maxCommandBytes },
      },
      peft: {
        export: {
          root: exportRoot,
          maxTelemetryBytes,
          maxPolicyBytes: n("coh.peft.export", "max_policy_bytes"),
          maxBaseModelBytes: n("coh.peft.export", "max_base_model_bytes"),
        },
        import: {
          registryRoot,
          maxAdapterBytes: n("coh.peft.import", "max_adapter_bytes"),
          maxLoraBytes: n("coh.peft.import", "max_lora_bytes"),
          maxMetricsBytes: n("coh.peft.import", "max_metrics_bytes"),
          maxManifestBytes: n("coh.peft.import", "max_manifest_bytes"),
        },
        activate: {
          maxModelIdBytes: n("coh.peft.activate", "max_model_id_bytes"),
          maxStateBytes: n("coh.peft.activate", "max_state_bytes"),
        },
      },
    },
    retry,
  });
}

/**
 * Reads `path` (at most `maxBytes`) and applies {@link parseCohPolicy}. A missing file is a
 * {@link PolicyError}; a missing read permission is a {@link PermissionError} naming
 * `--allow-read=<path>`.
 */
export async function loadCohPolicy(
  path: string,
  options: CohPolicyOptions = {},
): Promise<CohesixDefaults> {
  const maxBytes = options.maxBytes ?? DEFAULT_POLICY_MAX_BYTES;
  const bytes = await readCapped(path, maxBytes, "coh policy");
  return parseCohPolicy(bytes, { ...options, source: options.source ?? path });
}

/**
 * Checks and parses the bytes (or text) of a `cohsh_policy.toml` (pinned hash
 * {@link COHSH_POLICY_SHA256} by default) with cohsh's rules and messages. No I/O.
 */
export function parseCohshPolicy(
  input: Uint8Array | string,
  options: CohshPolicyOptions = {},
): CohshPolicy {
  const base = options.base ?? DEFAULTS;
  const source = options.source ?? "cohsh policy";
  const d = checkAndParse(
    input,
    "cohsh policy",
    source,
    options.pinnedSha256 ?? COHSH_POLICY_SHA256,
    options.maxBytes ?? DEFAULT_POLICY_MAX_BYTES,
    COHSH_SCHEMA,
  );
  checkManifest("cohsh policy", d, base.manifestSha256);
  const n = (table: string, key: string) => getNumber(d, table, key);
  atLeastOne("cohsh pool control_sessions", n("cohsh.pool", "control_sessions"), source);
  atLeastOne("cohsh pool telemetry_sessions", n("cohsh.pool", "telemetry_sessions"), source);
  const tail = {
    pollMsDefault: n("cohsh.tail", "poll_ms_default"),
    pollMsMin: n("cohsh.tail", "poll_ms_min"),
    pollMsMax: n("cohsh.tail", "poll_ms_max"),
  };
  atLeastOne("cohsh tail poll_ms_min", tail.pollMsMin, source);
  if (tail.pollMsDefault < tail.pollMsMin || tail.pollMsDefault > tail.pollMsMax) {
    throw invalid(
      `cohsh tail poll_ms_default ${tail.pollMsDefault} must be within poll_ms_min ${tail.pollMsMin} and poll_ms_max ${tail.pollMsMax}`,
      source,
    );
  }
  const hostTelemetry = {
    nvidiaPollMs: n("cohsh.host_telemetry", "nvidia_poll_ms"),
    systemdPollMs: n("cohsh.host_telemetry", "systemd_poll_ms"),
    dockerPollMs: n("cohsh.host_telemetry", "docker_poll_ms"),
    k8sPollMs: n("cohsh.host_telemetry", "k8s_poll_ms"),
  };
  for (const key of ["nvidia_poll_ms", "systemd_poll_ms", "docker_poll_ms", "k8s_poll_ms"]) {
    atLeastOne(`cohsh host_telemetry ${key}`, n("cohsh.host_telemetry", key), source);
  }
  const retry = readRetry(d);
  checkRetry("cohsh", retry, source);
  const heartbeatIntervalMs = n("heartbeat", "interval_ms");
  atLeastOne("cohsh heartbeat interval_ms", heartbeatIntervalMs, source);
  const traceMaxBytes = n("trace", "max_bytes");
  if (traceMaxBytes < 1) throw invalid("cohsh trace max_bytes must be > 0", source);
  return deepFreeze({
    manifestSha256: getString(d, "meta", "manifest_sha256"),
    pool: {
      controlSessions: n("cohsh.pool", "control_sessions"),
      telemetrySessions: n("cohsh.pool", "telemetry_sessions"),
    },
    tail,
    hostTelemetry,
    retry,
    heartbeatIntervalMs,
    traceMaxBytes,
  });
}

/** Reads `path` (at most `maxBytes`) and applies {@link parseCohshPolicy}. */
export async function loadCohshPolicy(
  path: string,
  options: CohshPolicyOptions = {},
): Promise<CohshPolicy> {
  const maxBytes = options.maxBytes ?? DEFAULT_POLICY_MAX_BYTES;
  const bytes = await readCapped(path, maxBytes, "cohsh policy");
  return parseCohshPolicy(bytes, { ...options, source: options.source ?? path });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
