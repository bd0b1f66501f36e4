/**
 * `cohesix`: one command for what the upstream `coh` and `cohsh` do. This file only dispatches:
 * it takes the global flags out of the command line, loads the subcommand named by the first
 * remaining word, runs it, and turns what it returns or throws into an exit status (0 success,
 * 1 the operation failed, 2 usage) and at most a line and a hint on stderr.
 *
 * @module
 */

import { UsageError } from "../core/errors.ts";
import type { CliCommand } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { GLOBAL_FLAGS, type GlobalOptions, splitGlobalFlags } from "./global_flags.ts";
import { type CliIo, denoIo } from "./io.ts";

export type { CliIo } from "./io.ts";
import { reportFailure } from "./report.ts";
import { VERSION } from "./version.ts";

/** The top-level help text. */
export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((entry) => entry.name.length), 8) + 2;
  const flags = GLOBAL_FLAGS.map((spec) => {
    const names = spec.names.join(", ") + (spec.value ? ` ${spec.value}` : "");
    return `  ${names.padEnd(30)} ${spec.help}`;
  });
  return [
    "cohesix: operate a Cohesix Queen (what coh and cohsh do, in one command)",
    "",
    "usage: cohesix [global options] <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((entry) => `  ${entry.name.padEnd(width)}${entry.summary}`),
    "",
    "Global options (before or after the command):",
    ...flags,
    "  -h, --help                     show help (also: cohesix <command> --help)",
    "",
    "Backend: --mock, else --fs-root, else the Queen's TCP console.",
    "Exit status: 0 success, 1 the operation failed (message on stderr), 2 bad command line.",
    "",
  ].join("\n");
}

/** Runs `cohesix` with `argv` on `io` and returns its exit status. */
export async function main(argv: readonly string[], io: CliIo = denoIo()): Promise<number> {
  let globals: GlobalOptions | undefined;
  let commandName = "";
  try {
    const split = splitGlobalFlags(argv);
    globals = split.globals;
    if (globals.version) {
      await io.out(`cohesix ${VERSION}\n`);
      return 0;
    }
    let [name, ...rest] = split.rest;
    if (name === "help" && rest.length > 0) {
      // `cohesix help gpu lease` is `cohesix gpu lease --help`.
      [name, ...rest] = [...rest, "--help"];
    } else if (name === "-h" || name === "--help" || name === "help") {
      await io.out(topLevelHelp());
      return 0;
    }
    if (name === undefined) {
      throw new UsageError("no command given", { hint: "run cohesix --help for the commands" });
    }
    const entry = COMMANDS.find((candidate) => candidate.name === name);
    if (entry === undefined) {
      throw new UsageError(`unknown command '${name}'`, {
        hint: "run cohesix --help for the list of commands",
      });
    }
    commandName = name;
    const { command }: { command: CliCommand } = await entry.load();
    return await command.run(rest, { globals, io });
  } catch (error) {
    // The reader of our output went away (`cohesix ls / | head`): nothing is wrong and nobody is
    // left to tell, so end quietly, as a tool killed by SIGPIPE would, without a bug report.
    if (isBrokenPipe(error)) return 0;
    return await reportFailure(error, { io, globals, commandName });
  }
}

function isBrokenPipe(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof Deno.errors.BrokenPipe) return true;
  }
  return false;
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
