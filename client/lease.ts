/**
 * `gpu lease` as coh does it (OPERATIONS.md §4.3): a spawn request to `/queen/ctl` with
 * `priority` always present (default 0) and `budget` only when given.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { ensureJsonString } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { checkUint } from "./integers.ts";
import { OperationRun } from "./operation_run.ts";
import { finishSpawnPayload } from "./spawn_payload.ts";
import type { OperationOptions } from "./remote.ts";
import { encodeUtf8 } from "./text.ts";

/** Arguments of a GPU lease request. */
export interface GpuLeaseArgs {
  /** GPU id, e.g. `GPU-0` (no `"`, `\` or control characters). */
  readonly gpuId: string;
  /** Memory in MiB (u32). */
  readonly memMb: number;
  /** Stream count (u8, 0..=255). */
  readonly streams: number;
  /** Lease time-to-live in seconds (u32). */
  readonly ttlS: number;
  /** Priority (u8); coh sends 0 when not given. */
  readonly priority?: number;
  /** Worker budget TTL in seconds (u64); the budget object is sent only if a field is given. */
  readonly budgetTtlS?: number;
  /** Worker budget operations (u64). */
  readonly budgetOps?: number;
}

/**
 * Builds the `/queen/ctl` spawn payload (compact JSON, fixed key order, plus `\n`), e.g.
 * `{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":2,"ttl_s":120,"priority":1}}`.
 */
export function buildSpawnPayload(args: GpuLeaseArgs, defaults: CohesixDefaults): string {
  const gpuId = ensureJsonString(String(args.gpuId ?? "").trim(), "gpu_id");
  const memMb = checkUint("mem_mb", args.memMb, "u32");
  const streams = checkUint("streams", args.streams, "u8");
  const ttlS = checkUint("ttl_s", args.ttlS, "u32");
  const priority = checkUint("priority", args.priority ?? 0, "u8");
  const json = `{"spawn":"gpu","lease":{"gpu_id":"${gpuId}","mem_mb":${memMb},` +
    `"streams":${streams},"ttl_s":${ttlS},"priority":${priority}}`;
  return finishSpawnPayload(json, args, defaults, { ttlS: "budget_ttl_s", ops: "budget_ops" });
}

/** Requests a GPU lease: ECHO the spawn payload to `paths.queenCtl`. */
export async function gpuLease(
  backend: Backend,
  defaults: CohesixDefaults,
  args: GpuLeaseArgs,
  options: OperationOptions = {},
): Promise<void> {
  using run = new OperationRun("gpu lease", options);
  const { audit } = run;
  const payload = encodeUtf8(buildSpawnPayload(args, defaults));
  normalizeEchoPayload(payload, defaults); // refuse what the console cannot carry, before sending
  const ctl = defaults.paths.queenCtl;
  const bytes = await run.append(backend, ctl, payload);
  audit?.pushAck("OK", "ECHO", `path=${ctl} bytes=${bytes}`);
  audit?.pushLine(
    `lease requested gpu_id=${args.gpuId.trim()} mem_mb=${args.memMb} streams=${args.streams} ` +
      `ttl_s=${args.ttlS}`,
  );
}
