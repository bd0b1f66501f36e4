/**
 * The lease line a run validates (OPERATIONS.md §4.4 step 3), parsed as strictly as coh: all
 * eight fields present with their types (`mem_mb` u32, `streams` u8, `ttl_s` u32, `priority`
 * u8), then checked in coh's order with coh's messages.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { OperationError } from "../core/errors.ts";
import { UINT_MAX, type UintWidth } from "./integers.ts";
import { parseJsonObject } from "./json_object.ts";
import { lastNonEmptyLine } from "./text.ts";

/** One `gpu-lease/v1` line from `/gpu/<id>/lease`. */
export interface LeaseRecord {
  /** `schema`. */
  readonly schema: string;
  /** `state` (`ACTIVE`, `RELEASED`, …). */
  readonly state: string;
  /** `gpu_id`. */
  readonly gpuId: string;
  /** `worker_id`. */
  readonly workerId: string;
  /** `mem_mb` (u32). */
  readonly memMb: number;
  /** `streams` (u8). */
  readonly streams: number;
  /** `ttl_s` (u32). */
  readonly ttlS: number;
  /** `priority` (u8). */
  readonly priority: number;
}

/** Parses one lease JSON line; any missing or mistyped field is `invalid lease JSON`. */
export function parseLeaseRecord(line: string): LeaseRecord {
  const invalid = (why: string, cause?: unknown) =>
    new OperationError(`invalid lease JSON: ${why}`, cause ? { cause } : {});
  const parsed = parseJsonObject(line);
  if ("why" in parsed) throw invalid(parsed.why, parsed.cause);
  const record = parsed.value;
  const str = (key: string): string => {
    const field = record[key];
    if (typeof field !== "string") throw invalid(`field ${key} must be a string`);
    return field;
  };
  const uint = (key: string, width: UintWidth): number => {
    const field = record[key];
    const max = UINT_MAX[width];
    if (typeof field !== "number" || !Number.isInteger(field) || field < 0 || field > max) {
      throw invalid(`field ${key} must be an integer in 0..=${max}`);
    }
    return field;
  };
  return {
    schema: str("schema"),
    state: str("state"),
    gpuId: str("gpu_id"),
    workerId: str("worker_id"),
    memMb: uint("mem_mb", "u32"),
    streams: uint("streams", "u8"),
    ttlS: uint("ttl_s", "u32"),
    priority: uint("priority", "u8"),
  };
}

/**
 * Finds the active lease for `gpuId` in the lease file's text (its last non-empty line) and
 * validates it: schema, state, gpu id, streams/ttl/mem ≥ 1, non-empty worker id.
 */
export function validateActiveLease(
  text: string,
  gpuId: string,
  defaults: CohesixDefaults,
): LeaseRecord {
  const policy = defaults.coh.run.lease;
  const line = lastNonEmptyLine(text);
  if (line === undefined) throw new OperationError(`no active lease for gpu ${gpuId}`);
  const lease = parseLeaseRecord(line);
  if (lease.schema !== policy.schema) {
    throw new OperationError(
      `lease schema mismatch: expected ${policy.schema} got ${lease.schema}`,
    );
  }
  if (lease.state !== policy.activeState) {
    throw new OperationError(`no active lease for gpu ${gpuId}`, {
      hint: `the last lease is ${lease.state}; request a new one with gpu lease`,
    });
  }
  if (lease.gpuId !== gpuId) {
    throw new OperationError(`lease gpu_id mismatch: expected ${gpuId} got ${lease.gpuId}`);
  }
  if (lease.streams === 0) throw new OperationError("lease streams must be >= 1");
  if (lease.ttlS === 0) throw new OperationError("lease ttl_s must be >= 1");
  if (lease.memMb === 0) throw new OperationError("lease mem_mb must be >= 1");
  if (lease.workerId.trim().length === 0) {
    throw new OperationError("lease worker_id must not be empty");
  }
  return lease;
}
