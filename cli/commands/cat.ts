/**
 * `cohesix cat PATH`: cohsh's `cat` over one session. Prints the file's lines (the `data=`
 * preview when the Queen sends no body, as cohsh), or `{path, lines}` with `--json`.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";
import type { CliCommand } from "../command.ts";
import { linesOf, rejectFlags, runOneShot } from "../shell/one_shot.ts";

const HELP = "usage: cohesix cat PATH   (--json prints {path, lines})\n";

/** The `cat` subcommand. */
export const command: CliCommand = {
  name: "cat",
  summary: "print a file (cohsh cat)",
  async run(argv, ctx) {
    if (argv.includes("-h") || argv.includes("--help")) {
      await ctx.io.out(HELP);
      return 0;
    }
    rejectFlags("cat", argv);
    if (argv.length === 0) throw new UsageError("cat requires a path");
    if (argv.length > 1) throw new UsageError("cat takes exactly one argument: path");
    const path = argv[0]!;
    return await runOneShot(ctx, async (session, signal) => {
      const { out } = linesOf(await session.run(`cat ${path}`, { signal }));
      return { human: out, json: { path, lines: out } };
    });
  },
};
