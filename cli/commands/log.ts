/**
 * `cohesix log`: cohsh's `log` (`TAIL /log/queen.log`) over one session; `{path, lines}` with
 * `--json`.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";
import type { CliCommand } from "../command.ts";
import { linesOf, runOneShot } from "../shell/one_shot.ts";

/** The `log` subcommand. */
export const command: CliCommand = {
  name: "log",
  summary: "print the Queen's log (cohsh log)",
  async run(argv, ctx) {
    if (argv.includes("-h") || argv.includes("--help")) {
      await ctx.io.out("usage: cohesix log   (--json prints {path, lines})\n");
      return 0;
    }
    if (argv.length > 0) throw new UsageError("log does not take any arguments");
    return await runOneShot(ctx, async (session, signal) => {
      const { out } = linesOf(await session.run("log", { signal }));
      return { human: out, json: { path: "/log/queen.log", lines: out } };
    });
  },
};
