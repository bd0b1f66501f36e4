/**
 * `cohesix mount`: cohsh's `mount` over one session, sent as `ECHO /queen/ctl <json>` with
 * cohsh's checks and JSON layout. Prints the Queen's ack, or `{path, payload, ack, bytes}`
 * with `--json`.
 *
 * @module
 */

import type { CliCommand } from "../command.ts";
import { writeCommand } from "../shell/one_shot.ts";
import { mountPayload } from "../shell/shell_checks.ts";

/** The `mount` subcommand. */
export const command: CliCommand = {
  name: "mount",
  summary: "mount a service namespace (cohsh mount)",
  run: writeCommand({
    name: "mount",
    summary: "mount a service namespace (cohsh mount)",
    help: "usage: cohesix mount SERVICE PATH\n",
    payload: mountPayload,
    path: "/queen/ctl",
  }),
};
