/**
 * `cohesix spawn heartbeat|gpu k=v…`: cohsh's `spawn` over one session, sent as
 * `ECHO /queen/ctl <json>` with cohsh's checks and JSON layout (`priority` only when given).
 * Prints the Queen's ack, or `{path, payload, ack, bytes}` with `--json`.
 *
 * @module
 */

import type { CliCommand } from "../command.ts";
import { writeCommand } from "../shell/one_shot.ts";
import { spawnPayload } from "../shell/shell_checks.ts";

const SUMMARY = "queue a worker spawn (cohsh spawn heartbeat|gpu k=v…)";

/** The `spawn` subcommand. */
export const command: CliCommand = {
  name: "spawn",
  summary: SUMMARY,
  run: writeCommand({
    name: "spawn",
    summary: SUMMARY,
    help: "usage: cohesix spawn heartbeat ticks=N [ttl_s=S] [ops=N]\n" +
      "       cohesix spawn gpu gpu_id=ID mem_mb=N streams=N ttl_s=S [priority=N] " +
      "[budget_ttl_s=S] [budget_ops=N]\n",
    payload: spawnPayload,
    path: "/queen/ctl",
  }),
};
