/**
 * `spawn heartbeat` (cohsh `spawn heartbeat ticks=<t> [ttl_s=<x>] [ops=<y>]`, CLI.md §2.4):
 * `{"spawn":"heartbeat","ticks":<t>[,"budget":{["ttl_s":<x>][,"ops":<y>]}]}` plus `\n`, ECHOed to
 * `/queen/ctl` (never the `SPAWN` verb). A GPU worker is spawned by `gpuLease`.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { checkUint } from "./integers.ts";
import { OperationRun } from "./operation_run.ts";
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
  let json = `{"spawn":"heartbeat","ticks":${checkUint("ticks", args.ticks, "u64")}`;
  const budget: string[] = [];
  if (args.budgetTtlS !== undefined) {
    budget.push(`"ttl_s":${checkUint("ttl_s", args.budgetTtlS, "u64")}`);
  }
  if (args.budgetOps !== undefined) budget.push(`"ops":${checkUint("ops", args.budgetOps, "u64")}`);
  if (budget.length > 0) json += `,"budget":{${budget.join(",")}}`;
  json += "}";
  const max = defaults.console.maxJsonLen;
  const length = utf8Length(json);
  if (length > max) {
    throw new LimitError(
      `spawn payload of ${length} bytes exceeds console.max_json_len ${max}`,
      "console.max_json_len",
      max,
    );
  }
  return `${json}\n`;
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
