/**
 * The console panel's seam: it runs one cohsh shell line and returns the lines cohsh would print.
 * The panel must run the same code as `cohesix sh`; until that shell is part of this build,
 * {@link unavailableConsole} answers every line with an error that says so. This is the one
 * place to point at the shell session.
 *
 * @module
 */

import { OperationError } from "../../core/errors.ts";

/** Runs cohsh shell lines (the signature of `cohesix sh`'s session). */
export interface ConsoleRunner {
  /** Runs one line and returns the printed lines; a failed command resolves with its `Error:`. */
  execute(line: string, options?: { signal?: AbortSignal }): Promise<string[]>;
}

/** A console that refuses every line: the shell is not in this build yet. */
export function unavailableConsole(): ConsoleRunner {
  return {
    execute(): Promise<string[]> {
      return Promise.reject(
        new OperationError("the console panel needs the cohesix sh shell, not in this build", {
          hint: "use the page's actions, or run cohesix sh in a terminal",
        }),
      );
    },
  };
}
