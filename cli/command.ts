/**
 * What every `cohesix` subcommand is: a name, a one-line summary for the top-level help, and a
 * `run` that parses its own arguments and returns an exit status (0 ok, 1 the operation failed,
 * 2 usage). Commands never call `Deno.exit`; they return or throw, and `cli/main.ts` decides.
 *
 * @module
 */

import type { GlobalOptions } from "./global_flags.ts";
import type { CliIo } from "./io.ts";

/** Everything a subcommand gets besides its own arguments. */
export interface CommandContext {
  /** The global flags, wherever they stood on the command line. */
  readonly globals: GlobalOptions;
  /** Where it reads and prints (the real streams, or a test's capture). */
  readonly io: CliIo;
}

/** One subcommand (or command group, e.g. `gpu` with `list`, `status`, `lease`). */
export interface CliCommand {
  /** The word that selects it (`gpu`, `ls`, `sh`, …). */
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /**
   * Runs it with the arguments after its name (global flags already removed); `-h`/`--help`
   * among them prints its help on stdout and returns 0. A `UsageError` thrown from here is
   * reported with exit status 2, any other error with 1.
   */
  run(argv: readonly string[], ctx: CommandContext): Promise<number>;
}
