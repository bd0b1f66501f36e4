/**
 * `spawn heartbeat` (cohsh `spawn heartbeat ticks=<t> [ttl_s=<x>] [ops=<y>]`, CLI.md §2.4):
 * `{"spawn":"heartbeat","ticks":<t>[,"budget":{["ttl_s":<x>][,"ops":<y>]}]}` plus `\n`, ECHOed to
 * `/queen/ctl` (never the `SPAWN` verb). A GPU worker is spawned by `gpuLease`.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { checkUint } from "./integers.ts";
import { OperationRun } from "./operation_run.ts";
import { finishSpawnPayload } from "./spawn_payload.ts";
import type { OperationOptions } from "./remote.ts";
import { encodeUtf8 } from "./text.ts";

/** Arguments of a heartbeat worker spawn. */
export interface HeartbeatSpawnArgs {
  /** Heartbeat ticks (u64, required by cohsh). */
  readonly ticks: number;
  /** Worker budget TTL in seconds (u64); the budget object is sent only if a field is given. */
  readonly budgetTtlS?: number;
  /** Worker budget operations (u64). */
  readonly budgetOps?: number;
}

/** Builds cohsh's heartbeat spawn payload (compact JSON, fixed key order) plus `\n`. */
export function buildHeartbeatSpawnPayload(
  args: HeartbeatSpawnArgs,
  defaults: CohesixDefaults,
): string {
  const json = `{"spawn":"heartbeat","ticks":${checkUint("ticks", args.ticks, "u64")}`;
  return finishSpawnPayload(json, args, defaults, { ttlS: "ttl_s", ops: "ops" });
}

/** Asks the Queen for a heartbeat worker: ECHO the spawn payload to `paths.queenCtl`. */
export async function spawnHeartbeat(
  backend: Backend,
  defaults: CohesixDefaults,
  args: HeartbeatSpawnArgs,
  options: OperationOptions = {},
): Promise<void> {
  using run = new OperationRun("spawn heartbeat", options);
  const { audit } = run;
  const payload = encodeUtf8(buildHeartbeatSpawnPayload(args, defaults));
  normalizeEchoPayload(payload, defaults);
  const ctl = defaults.paths.queenCtl;
  const bytes = await run.append(backend, ctl, payload);
  audit?.pushAck("OK", "ECHO", `path=${ctl} bytes=${bytes}`);
  audit?.pushLine(`spawn requested role=heartbeat ticks=${args.ticks}`);
}
