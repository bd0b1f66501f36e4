/**
 * `cohesix lifecycle cordon|drain|resume|quiesce|reset`: cohsh's `lifecycle` over one session.
 * It reads `/proc/lifecycle/state` first and refuses a transition the Queen would not allow
 * (cohsh's local table; nothing is sent then), else writes the command to
 * `/queen/lifecycle/ctl`. Prints the Queen's ack, or `{path, payload, ack, bytes}` with `--json`.
 *
 * @module
 */

import type { CliCommand } from "../command.ts";
import { writeCommand } from "../shell/one_shot.ts";
import { lifecycleCommand } from "../shell/shell_checks.ts";

/** The `lifecycle` subcommand. */
export const command: CliCommand = {
  name: "lifecycle",
  summary: "change the node's lifecycle (cohsh lifecycle)",
  run: writeCommand({
    name: "lifecycle",
    summary: "change the node's lifecycle (cohsh lifecycle)",
    help: "usage: cohesix lifecycle cordon|drain|resume|quiesce|reset\n",
    payload: lifecycleCommand,
    path: "/queen/lifecycle/ctl",
  }),
};
