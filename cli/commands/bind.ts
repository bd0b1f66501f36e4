/**
 * `cohesix bind`: cohsh's `bind` over one session, sent as `ECHO /queen/ctl <json>` with
 * cohsh's checks and JSON layout. Prints the Queen's ack, or `{path, payload, ack, bytes}`
 * with `--json`.
 *
 * @module
 */

import type { CliCommand } from "../command.ts";
import { writeCommand } from "../shell/one_shot.ts";
import { bindPayload } from "../shell/shell_checks.ts";

/** The `bind` subcommand. */
export const command: CliCommand = {
  name: "bind",
  summary: "bind a namespace path (cohsh bind)",
  run: writeCommand({
    name: "bind",
    summary: "bind a namespace path (cohsh bind)",
    help: "usage: cohesix bind SRC DST\n",
    payload: bindPayload,
    path: "/queen/ctl",
  }),
};
