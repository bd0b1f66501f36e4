/**
 * `cohesix ls [PATH]`: cohsh's `ls` over one session. Prints the entries (the Queen's order),
 * or `{path, entries}` with `--json`. PATH defaults to `/`.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";
import type { CliCommand } from "../command.ts";
import { linesOf, rejectFlags, runOneShot } from "../shell/one_shot.ts";

const HELP = "usage: cohesix ls [PATH]   (default /; --json prints {path, entries})\n";

/** The `ls` subcommand. */
export const command: CliCommand = {
  name: "ls",
  summary: "list a directory (cohsh ls)",
  async run(argv, ctx) {
    if (argv.includes("-h") || argv.includes("--help")) {
      await ctx.io.out(HELP);
      return 0;
    }
    rejectFlags("ls", argv);
    if (argv.length > 1) throw new UsageError("ls takes exactly one argument: path");
    const path = argv[0] ?? "/";
    return await runOneShot(ctx, async (session, signal) => {
      const { out } = linesOf(await session.run(`ls ${path}`, { signal }));
      return { human: out, json: { path, entries: out } };
    });
  },
};
