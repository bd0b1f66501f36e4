/**
 * A command made of subcommands (`gpu list|status|lease`, `peft export|import|…`): the first
 * argument picks the subcommand; none is a usage error, `-h`/`--help` prints the group's help.
 *
 * @module
 */

import { UsageError } from "../core/errors.ts";
import type { CliCommand, CommandContext } from "./command.ts";

/** One subcommand of a group: runs with the arguments after its name. */
export type SubcommandRun = (argv: readonly string[], ctx: CommandContext) => Promise<number>;

/** The group command `name` with `verbs`, whose help (`help`) lists them. */
export function commandGroup(
  name: string,
  summary: string,
  help: string,
  verbs: Readonly<Record<string, SubcommandRun>>,
): CliCommand {
  const names = Object.keys(verbs);
  const list = `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
  return {
    name,
    summary,
    async run(argv, ctx) {
      const [verb, ...rest] = argv;
      if (verb === "-h" || verb === "--help") {
        await ctx.io.out(help);
        return 0;
      }
      if (verb === undefined) {
        throw new UsageError(`a subcommand is needed: ${list}`, {
          hint: `run cohesix ${name} --help for the usage`,
        });
      }
      const run = Object.hasOwn(verbs, verb) ? verbs[verb] : undefined;
      if (run === undefined) {
        throw new UsageError(`unknown subcommand '${verb}' (expected ${list})`, {
          hint: `run cohesix ${name} --help for the usage`,
        });
      }
      return await run(rest, ctx);
    },
  };
}

/** Prints `help` and returns 0 (a subcommand's `--help`). */
export async function printHelp(ctx: CommandContext, help: string): Promise<number> {
  await ctx.io.out(help);
  return 0;
}
