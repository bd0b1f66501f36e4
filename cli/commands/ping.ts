/**
 * `cohesix ping`: attach and `PING`; prints `ping: pong`, or `{reply, ack}` with `--json`.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";
import type { CliCommand } from "../command.ts";
import { linesOf, runOneShot } from "../shell/one_shot.ts";

/** The `ping` subcommand. */
export const command: CliCommand = {
  name: "ping",
  summary: "check the console answers (cohsh ping)",
  async run(argv, ctx) {
    if (argv.includes("-h") || argv.includes("--help")) {
      await ctx.io.out("usage: cohesix ping   (--json prints {reply, ack})\n");
      return 0;
    }
    if (argv.length > 0) throw new UsageError("ping does not take any arguments");
    return await runOneShot(ctx, async (session, signal) => {
      const { acks, out } = linesOf(await session.run("ping", { signal }));
      const reply = out.at(-1)?.replace(/^ping: /, "") ?? "";
      return { human: out, json: { reply, ack: acks.at(-1) ?? null } };
    });
  },
};
