/**
 * `cohesix write PATH TEXT…`: one `ECHO PATH TEXT` (the words joined by spaces, cohsh's payload
 * rules: trimmed, one pair of surrounding quotes dropped, one line). Prints the Queen's ack, or
 * `{path, payload, ack, bytes}` with `--json`. Never re-sent after a dropped connection.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";
import type { CliCommand } from "../command.ts";
import { ackBytes, cliError, runOneShot } from "../shell/one_shot.ts";
import { checkPath, normalizeShellPayload } from "../shell/shell_checks.ts";

const HELP =
  "usage: cohesix write PATH TEXT…   (appends one line; --json prints {path, payload, ack, bytes})\n";

/** The `write` subcommand. */
export const command: CliCommand = {
  name: "write",
  summary: "append one line to a file (one ECHO)",
  async run(argv, ctx) {
    if (argv[0] === "-h" || argv[0] === "--help") {
      await ctx.io.out(HELP);
      return 0;
    }
    const [path, ...words] = argv;
    if (path === undefined) throw new UsageError("write requires a path and text");
    if (words.length === 0) throw new UsageError("write requires text after the path");
    let payload: string;
    try {
      checkPath(path);
      payload = normalizeShellPayload(words.join(" "));
    } catch (error) {
      throw cliError(error);
    }
    return await runOneShot(ctx, async (session, signal) => {
      const queued = session.console.queuedAcks;
      await session.console.echo(path, payload, signal);
      const acks = session.console.drainAcks().slice(queued);
      const ack = acks.at(-1) ?? null;
      return {
        human: acks,
        json: { path, payload, ack, bytes: ackBytes(ack ?? undefined) ?? null },
      };
    });
  },
};
