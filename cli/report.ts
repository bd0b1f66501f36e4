/**
 * How `cohesix` reports a failure: a usage error as one line plus the usage hint (exit 2); a
 * `CohesixError` as its message and hint, one line each, no stack (exit 1); with `--json`, one
 * JSON error object on stderr instead; anything else as an unexpected failure to report, with its
 * stack only under `-v`. Every line goes through the same text the error already carries, which
 * the client layers keep free of the token and tickets.
 *
 * @module
 */

import { adviceFor } from "../client/advice.ts";
import type { BackendChoice } from "../client/connect.ts";
import { CohesixError, CommandError, UsageError } from "../core/errors.ts";
import { toPermissionError } from "../core/permissions.ts";
import { backendChoiceOf, type GlobalOptions } from "./global_flags.ts";
import type { CliIo } from "./io.ts";

/** Where the failure happened. */
export interface FailureContext {
  /** The streams. */
  readonly io: CliIo;
  /** The global flags, when they could be parsed. */
  readonly globals: GlobalOptions | undefined;
  /** The subcommand that failed (empty before dispatch). */
  readonly commandName: string;
  /**
   * The transcript lines the command produced before it failed; under `--json` they go into
   * the error object (in human mode the command has printed them on stdout already).
   */
  readonly transcript?: readonly string[];
}

/** The JSON error object printed on stderr under `--json`. */
export interface JsonError {
  /** The error's machine-readable kind (`usage`, `auth`, `command`, …). */
  readonly code: string;
  /** What went wrong, without the hint. */
  readonly message: string;
  /** What to do about it, or `null`. */
  readonly hint: string | null;
  /** The verb the Queen refused (server errors only). */
  readonly verb?: string;
  /** The server's `reason=` (server errors only). */
  readonly reason?: string;
  /** The server's `detail=` (server errors only). */
  readonly detail?: string;
  /** The transcript lines printed before the failure (coh's verbs, when there were any). */
  readonly transcript?: readonly string[];
}

/** The JSON error object for `error` (`choice`: the backend, for advice when it has no hint). */
export function jsonError(error: unknown, choice?: BackendChoice): JsonError {
  if (!(error instanceof CohesixError)) {
    return {
      code: "internal",
      message: `unexpected failure (please report it): ${describe(error)}`,
      hint: null,
    };
  }
  const hint = error.hint ?? adviceFor(error, choice) ?? null;
  const base: JsonError = { code: error.code, message: error.summary, hint };
  if (!(error instanceof CommandError)) return base;
  return {
    ...base,
    verb: error.verb,
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    ...(error.detail === undefined ? {} : { detail: error.detail }),
  };
}

/** Prints `error` as the context asks and returns the exit status (2 usage, else 1). */
export async function reportFailure(raw: unknown, ctx: FailureContext): Promise<number> {
  // Deno's own refusal (a permission the up-front check did not cover) names the exact flag too.
  const error = toPermissionError(raw);
  const status = error instanceof UsageError ? 2 : 1;
  const prefix = ctx.commandName ? `cohesix ${ctx.commandName}` : "cohesix";
  const choice = choiceOf(ctx.globals);
  if (ctx.globals?.json) {
    const object = jsonError(error, choice);
    const transcript = ctx.transcript ?? [];
    await ctx.io.err(
      JSON.stringify(transcript.length > 0 ? { ...object, transcript } : object) + "\n",
    );
    return status;
  }
  if (!(error instanceof CohesixError)) {
    await ctx.io.err(`${prefix}: unexpected failure (please report it): ${describe(error)}\n`);
    if (ctx.globals?.verbose && error instanceof Error && error.stack) {
      await ctx.io.err(error.stack + "\n");
    }
    return status;
  }
  let text = `${prefix}: ${error.summary}\n`;
  const hint = error.hint ?? adviceFor(error, choice);
  if (hint) text += `hint: ${hint}\n`;
  if (error instanceof UsageError && !error.hint) {
    text += `hint: run ${prefix} --help for the usage\n`;
  }
  if (ctx.globals?.verbose) {
    let cause: unknown = error.cause;
    while (cause !== undefined) {
      text += `  caused by: ${describe(cause)}\n`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  await ctx.io.err(text);
  return status;
}

/** The backend the flags select, for advice; none when the flags themselves are bad. */
function choiceOf(globals: GlobalOptions | undefined): BackendChoice | undefined {
  if (globals === undefined) return undefined;
  try {
    return backendChoiceOf(globals);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
