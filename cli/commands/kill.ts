/**
 * `cohesix kill`: cohsh's `kill` over one session, sent as `ECHO /queen/ctl <json>` with
 * cohsh's checks and JSON layout. Prints the Queen's ack, or `{path, payload, ack, bytes}`
 * with `--json`.
 *
 * @module
 */

import type { CliCommand } from "../command.ts";
import { writeCommand } from "../shell/one_shot.ts";
import { killPayload } from "../shell/shell_checks.ts";

/** The `kill` subcommand. */
export const command: CliCommand = {
  name: "kill",
  summary: "queue a worker termination (cohsh kill)",
  run: writeCommand({
    name: "kill",
    summary: "queue a worker termination (cohsh kill)",
    help: "usage: cohesix kill WORKER_ID\n",
    payload: killPayload,
    path: "/queen/ctl",
  }),
};
