/**
 * `gpu list` and `gpu status` as coh does them (OPERATIONS.md §4.1–§4.2): `/gpu` in LS order
 * without the non-GPU entries `models`, `telemetry` and `bridge`; info JSON parsed strictly;
 * coh's human lines.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { OperationError, ValidationError } from "../core/errors.ts";
import { joinPath, validateComponent } from "../core/paths.ts";
import { parseJsonObject } from "./json_object.ts";
import { OperationRun } from "./operation_run.ts";
import { listedName, type OperationOptions } from "./remote.ts";
import { decodeUtf8, lastNonEmptyLine } from "./text.ts";

/** Root of the GPU namespace. */
export const GPU_ROOT = "/gpu";

/** Entries of `/gpu` that are not GPUs (coh filters all three; Python misses `bridge`). */
export const NON_GPU_ENTRIES: ReadonlySet<string> = new Set(["models", "telemetry", "bridge"]);

/** One GPU's `/gpu/<id>/info`, as parsed by coh. */
export interface GpuInfo {
  /** `id`. */
  readonly id: string;
  /** `name`. */
  readonly name: string;
  /** `memory_mb` (u32). */
  readonly memoryMb: number;
  /** `sm_count` (u32). */
  readonly smCount: number;
  /** `driver_version`. */
  readonly driverVersion: string;
  /** `runtime_version`. */
  readonly runtimeVersion: string;
}

const INFO_KEYS = ["id", "name", "memory_mb", "sm_count", "driver_version", "runtime_version"];
const U32_MAX = 0xffff_ffff;

/** Parses info JSON strictly: all six keys, no others, strings and u32 numbers. */
export function parseGpuInfo(text: string, path: string): GpuInfo {
  const invalid = (why: string, cause?: unknown) =>
    new OperationError(`invalid gpu info JSON in ${path}: ${why}`, cause ? { cause } : {});
  const parsed = parseJsonObject(text);
  if ("why" in parsed) throw invalid(parsed.why, parsed.cause);
  const record = parsed.value;
  for (const key of Object.keys(record)) {
    if (!INFO_KEYS.includes(key)) throw invalid(`unknown field ${JSON.stringify(key)}`);
  }
  const str = (key: string): string => {
    const field = record[key];
    if (typeof field !== "string") throw invalid(`field ${key} must be a string`);
    return field;
  };
  const u32 = (key: string): number => {
    const field = record[key];
    if (typeof field !== "number" || !Number.isInteger(field) || field < 0 || field > U32_MAX) {
      throw invalid(`field ${key} must be an integer in 0..=${U32_MAX}`);
    }
    return field;
  };
  return {
    id: str("id"),
    name: str("name"),
    memoryMb: u32("memory_mb"),
    smCount: u32("sm_count"),
    driverVersion: str("driver_version"),
    runtimeVersion: str("runtime_version"),
  };
}

/** coh's human line for one GPU. */
export function renderGpuLine(info: GpuInfo): string {
  return `gpu id=${info.id} name=${info.name} mem_mb=${info.memoryMb} sm=${info.smCount} ` +
    `driver=${info.driverVersion} runtime=${info.runtimeVersion}`;
}

/** Lists the GPUs: `LS /gpu`, then `CAT /gpu/<id>/info` for each GPU in LS order. */
export async function gpuList(
  backend: Backend,
  defaults: CohesixDefaults,
  options: OperationOptions = {},
): Promise<GpuInfo[]> {
  using run = new OperationRun("gpu list", options);
  const { audit } = run;
  const entries = await run.list(backend, GPU_ROOT, defaults);
  audit?.pushAck("OK", "LS", `path=${GPU_ROOT}`);
  // Names from the Queen become paths: refuse one that is not a path component up front.
  const ids = entries.filter((entry) => !NON_GPU_ENTRIES.has(entry))
    .map((entry) => listedName(entry, GPU_ROOT));
  if (ids.length === 0) {
    audit?.pushLine("gpu: none");
    return [];
  }
  run.plan(1 + ids.length);
  const gpus: GpuInfo[] = [];
  for (const id of ids) {
    const path = joinPath(GPU_ROOT, id, "info");
    const bytes = await run.read(
      backend,
      path,
      defaults.readCaps.maxGpuInfoBytes,
      "read_caps.max_gpu_info_bytes",
    );
    audit?.pushAck("OK", "CAT", `path=${path}`);
    const info = parseGpuInfo(decodeUtf8(bytes, `gpu info ${path}`), path);
    audit?.pushLine(renderGpuLine(info));
    gpus.push(info);
  }
  return gpus;
}

/** Trims a GPU id and checks it (`gpu id must not be empty`, then the component rules). */
export function normalizeGpuId(gpuId: string): string {
  const trimmed = String(gpuId ?? "").trim();
  if (trimmed.length === 0) throw new ValidationError("gpu id must not be empty");
  return validateComponent(trimmed);
}

/**
 * Reads `/gpu/<id>/status` and returns its last non-empty line, or `EMPTY`; the human line is
 * coh's `gpu id=<id> status=<line>`.
 */
export async function gpuStatus(
  backend: Backend,
  defaults: CohesixDefaults,
  gpuId: string,
  options: OperationOptions = {},
): Promise<string> {
  using run = new OperationRun("gpu status", options);
  const { audit } = run;
  const id = normalizeGpuId(gpuId);
  const path = joinPath(GPU_ROOT, id, "status");
  const bytes = await run.read(
    backend,
    path,
    defaults.readCaps.maxGpuStatusBytes,
    "read_caps.max_gpu_status_bytes",
  );
  audit?.pushAck("OK", "CAT", `path=${path}`);
  const line = lastNonEmptyLine(decodeUtf8(bytes, `status file ${path}`)) ?? "EMPTY";
  audit?.pushLine(`gpu id=${id} status=${line}`);
  return line;
}
